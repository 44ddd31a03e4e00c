/**
 * Why a provider call or webhook failed, as the messaging pipeline needs to know it:
 * - `RATE_LIMITED`: the provider throttled us (retryable; `retryAfterMs` when the provider said).
 * - `INVALID_RECIPIENT`: the address does not exist or cannot receive on this channel.
 * - `AUTH_FAILED`: credentials or the channel account are broken; stop using the account.
 * - `TEMPLATE_REJECTED`: the template is unknown, paused or its parameters do not fit.
 * - `OUTSIDE_WINDOW`: free-form message outside the customer-service window (send a template).
 * - `RECIPIENT_BLOCKED`: the recipient blocked us or never started the conversation (Telegram).
 * - `RECIPIENT_OPTED_OUT`: the provider holds an opt-out for this recipient (Twilio 21610, WhatsApp 131050).
 * - `INVALID_PAYLOAD`: a webhook body, or an outbound message, does not fit the provider's format.
 * - `UNAVAILABLE`: provider 5xx, network failure or timeout (retryable). `maybeSent` when the request may
 *   have reached the provider (a timeout, a connection lost after sending, a 2xx whose reply could not be
 *   read): only an adapter with idempotent sends may then be retried.
 * - `REJECTED`: every other refusal; not retryable.
 */
export type TChannelErrorCode =
  | "RATE_LIMITED"
  | "INVALID_RECIPIENT"
  | "AUTH_FAILED"
  | "TEMPLATE_REJECTED"
  | "OUTSIDE_WINDOW"
  | "RECIPIENT_BLOCKED"
  | "RECIPIENT_OPTED_OUT"
  | "INVALID_PAYLOAD"
  | "UNAVAILABLE"
  | "REJECTED";

export const channelErrorCodes = [
  "RATE_LIMITED",
  "INVALID_RECIPIENT",
  "AUTH_FAILED",
  "TEMPLATE_REJECTED",
  "OUTSIDE_WINDOW",
  "RECIPIENT_BLOCKED",
  "RECIPIENT_OPTED_OUT",
  "INVALID_PAYLOAD",
  "UNAVAILABLE",
  "REJECTED",
] as const satisfies readonly TChannelErrorCode[];

/** Codes a caller may retry later by default. */
const retryableByDefault = {
  RATE_LIMITED: true,
  INVALID_RECIPIENT: false,
  AUTH_FAILED: false,
  TEMPLATE_REJECTED: false,
  OUTSIDE_WINDOW: false,
  RECIPIENT_BLOCKED: false,
  RECIPIENT_OPTED_OUT: false,
  INVALID_PAYLOAD: false,
  UNAVAILABLE: true,
  REJECTED: false,
} as const satisfies Record<TChannelErrorCode, boolean>;

export interface TChannelErrorOptions {
  /** Safe for logs: never contains message bodies, addresses or secrets. */
  message: string;
  /** Defaults by code: RATE_LIMITED and UNAVAILABLE are retryable, the rest are not. */
  retryable?: boolean;
  /** HTTP status the provider answered with. */
  providerStatus?: number;
  /** The provider's own error code (e.g. "131047", "21610", "403"). */
  providerCode?: string;
  /** How long the provider asked us to wait. */
  retryAfterMs?: number;
  /**
   * RATE_LIMITED: the limit is on messages to this one recipient (WhatsApp's pair rate, 131056), not on
   * the sender: other recipients' messages go on.
   */
  recipientScoped?: boolean;
  /** The provider may have accepted the message although the call failed (no answer, or an unreadable one). */
  maybeSent?: boolean;
  cause?: unknown;
}

/** The only error adapters throw. Only the pipeline decides to retry, dead-letter or flag the recipient. */
export class ChannelError extends Error {
  readonly code: TChannelErrorCode;
  readonly retryable: boolean;
  readonly providerStatus: number | undefined;
  readonly providerCode: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly maybeSent: boolean;
  readonly recipientScoped: boolean;

  constructor(code: TChannelErrorCode, options: TChannelErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ChannelError";
    this.code = code;
    this.retryable = options.retryable ?? retryableByDefault[code];
    this.providerStatus = options.providerStatus;
    this.providerCode = options.providerCode;
    this.retryAfterMs = options.retryAfterMs;
    this.maybeSent = options.maybeSent ?? false;
    this.recipientScoped = options.recipientScoped ?? false;
  }
}

export function isChannelError(error: unknown): error is ChannelError {
  return error instanceof ChannelError;
}
