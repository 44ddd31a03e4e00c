import type { TChannelErrorCode } from "../channel-error.js";

export interface TErrorClass {
  code: TChannelErrorCode;
  retryable?: boolean;
  retryAfterMs?: number;
  /** RATE_LIMITED: the limit is on messages to this one recipient, not on the sender. */
  recipientScoped?: boolean;
}

/** Fallback by HTTP status when the provider's own error code is unknown. */
export function classifyHttpStatus(status: number): TErrorClass {
  if (status === 429) return { code: "RATE_LIMITED" };
  if (status === 401) return { code: "AUTH_FAILED" };
  if (status >= 500) return { code: "UNAVAILABLE" };
  return { code: "REJECTED" };
}
