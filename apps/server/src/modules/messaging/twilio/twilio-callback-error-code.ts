import { twilioCodeForRefusal } from "./twilio-errors.js";

/** Our failure reasons → the Twilio error code a Twilio client expects in a StatusCallback. */
const byReason: Record<string, number> = {
  outside_session_window: 63016,
  recipient_opted_out: 21610,
  invalid_recipient: 21211,
  recipient_address_missing: 21211,
  recipient_unreachable: 30003,
  recipient_blocked: 30003,
  auth_failed: 20003,
  template_rejected: 63005,
};
/** Twilio's "Unknown error": what a failure with no closer Twilio code is reported as. */
const UNKNOWN_ERROR = "30008";

/**
 * The `ErrorCode` of a Twilio-format status callback: always a Twilio error number for a message that
 * failed or was refused (a Twilio client parses it as one), never our own reason text or another
 * provider's code; none otherwise. When the sender is Twilio, its own code is passed on as it is.
 */
export function twilioCallbackErrorCode(o: {
  status: string;
  reason: string | null;
  errorCode: string | null | undefined;
  /** The sender's provider: only Twilio's own codes are Twilio error numbers. */
  providerId: string;
}): string | undefined {
  if (o.status === "suppressed") return String(twilioCodeForRefusal(o.reason).code);
  if (o.status !== "failed" && o.status !== "undelivered") return undefined;
  if (o.providerId === "twilio" && o.errorCode && /^\d{1,10}$/.test(o.errorCode)) return o.errorCode;
  const mapped = o.reason === null ? undefined : byReason[o.reason];
  return mapped !== undefined ? String(mapped) : UNKNOWN_ERROR;
}
