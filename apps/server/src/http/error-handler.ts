import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { ZodError } from "zod";
import { sqlState } from "../core/db/tx.js";
import { AppError, errorStatus, type TAppErrorCode } from "../core/errors.js";
import { newId } from "../core/ids.js";

export interface TErrorBody {
  error: {
    code: TAppErrorCode;
    message: string;
    field?: string;
    requestId: string;
    errorId?: string;
    details?: unknown;
  };
}

function fieldOf(path: readonly PropertyKey[], prefix: string): string {
  const parts = path.map((p) => (typeof p === "number" ? `[${p}]` : String(p)));
  const joined = parts.reduce((acc, p) => (p.startsWith("[") ? acc + p : acc ? `${acc}.${p}` : p), "");
  return joined || prefix;
}

/** Fastify's own error codes, by code, never by message text. */
const fastifyCodes: Record<string, TAppErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_EMPTY_JSON_BODY: "validation_failed",
  FST_ERR_CTP_INVALID_JSON_BODY: "validation_failed",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "validation_failed",
  FST_ERR_VALIDATION: "validation_failed",
};

type TErrorHandler = (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => void;

/**
 * Every error answers in one shape: `{"error":{"code","message","field"?,"requestId"}}`; unexpected ones
 * are logged to `logger` with the request id (not through `request.log`: Fastify is given a logger only
 * when the access log is on).
 */
export function errorHandlerFor(logger: Pick<FastifyBaseLogger, "error">): TErrorHandler {
  return (error, request, reply) => handleError(logger, error, request, reply);
}

function handleError(
  logger: Pick<FastifyBaseLogger, "error">,
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const requestId = String(request.id);
  const send = (status: number, body: TErrorBody["error"]) => {
    void reply.status(status).send({ error: body } satisfies TErrorBody);
  };
  if (error instanceof AppError) {
    send(error.status, {
      code: error.code,
      message: error.message,
      requestId,
      ...(error.field ? { field: error.field } : {}),
      ...(error.details ? { details: error.details } : {}),
    });
    return;
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const context = (error as { validationContext?: string }).validationContext ?? "body";
    const segments = (first?.instancePath ?? "")
      .split("/")
      .filter(Boolean)
      .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
    const params = (first?.params ?? {}) as { keys?: unknown };
    // An unknown key is named itself ("color"), not its parent object.
    if (
      first?.keyword === "unrecognized_keys" &&
      Array.isArray(params.keys) &&
      typeof params.keys[0] === "string"
    ) {
      segments.push(params.keys[0]);
    }
    const field = segments.length > 0 ? fieldOf(segments, context) : context;
    send(400, {
      code: "validation_failed",
      message: `${field}: ${first?.message ?? "invalid"}`,
      field,
      requestId,
    });
    return;
  }
  if (error instanceof ZodError) {
    const first = error.issues[0];
    const field = first ? fieldOf(first.path, "body") : "body";
    send(400, {
      code: "validation_failed",
      message: `${field}: ${first?.message ?? "invalid"}`,
      field,
      requestId,
    });
    return;
  }
  // Postgres data exceptions (SQLSTATE class 22: bad encoding, NUL bytes, out-of-range values) come from input.
  const state = sqlState(error);
  if (state?.startsWith("22")) {
    send(400, {
      code: "validation_failed",
      message: "a value in the request cannot be stored or searched",
      requestId,
    });
    return;
  }
  const code = "code" in error && typeof error.code === "string" ? fastifyCodes[error.code] : undefined;
  if (code) {
    send(errorStatus[code], { code, message: error.message, field: "body", requestId });
    return;
  }
  const statusCode = "statusCode" in error && typeof error.statusCode === "number" ? error.statusCode : 500;
  if (statusCode === 429) {
    send(429, { code: "rate_limited", message: "too many requests", requestId });
    return;
  }
  if (statusCode >= 400 && statusCode < 500) {
    send(statusCode, { code: "validation_failed", message: error.message, requestId });
    return;
  }
  const errorId = newId("err");
  logger.error({ err: error, errorId, reqId: requestId }, "unhandled error");
  send(500, { code: "internal", message: "internal error", requestId, errorId });
}
