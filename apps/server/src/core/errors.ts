/** The closed list of error codes Assent answers with, each mapped to one HTTP status. */
export const errorStatus = {
  /** The request body, query or a header failed validation; `field` names it. */
  validation_failed: 400,
  /** A phone number or channel address could not be parsed. */
  invalid_address: 400,
  /** The Idempotency-Key was reused with a different request. */
  idempotency_conflict: 409,
  /** The resource already exists (unique name, duplicate email). */
  conflict: 409,
  /** Missing or invalid credentials. */
  unauthenticated: 401,
  /** MFA is required to continue this session. */
  mfa_required: 401,
  /** Credentials are valid but lack the permission or scope. */
  forbidden: 403,
  /** CSRF token missing or wrong for a cookie-authenticated request. */
  csrf_failed: 403,
  /** Webhook signature missing or wrong. */
  invalid_signature: 401,
  /** The resource does not exist in this workspace (also used across workspaces: never 403). */
  not_found: 404,
  /** Too many attempts; retry later. */
  rate_limited: 429,
  /** Account temporarily locked after repeated failures. */
  locked: 423,
  /** The body was larger than allowed. */
  payload_too_large: 413,
  /** The content type is not accepted by this route. */
  unsupported_media_type: 415,
  /** The request is well-formed but cannot be carried out in the current state. */
  unprocessable: 422,
  /** Unexpected failure; the body carries an errorId that is in the log. */
  internal: 500,
  /** A dependency (database) is not ready. */
  unavailable: 503,
} as const satisfies Record<string, number>;

export type TAppErrorCode = keyof typeof errorStatus;

export interface TAppErrorOptions {
  message: string;
  field?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error type of Assent. Expected outcomes are return values; AppError is for violations. */
export class AppError extends Error {
  readonly code: TAppErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: TAppErrorCode, options: TAppErrorOptions) {
    super(options.message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = errorStatus[code];
    this.field = options.field;
    this.details = options.details;
  }
}

export const notFound = (what: string): AppError =>
  new AppError("not_found", { message: `${what} not found` });
