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
 * failed or was refused (a Twilio client parses it as one), never our own reason text; none otherwise.
 * A numeric code from the provider (Twilio's own, when the sender is Twilio) is passed on as it is.
 */
export function twilioCallbackErrorCode(
  status: string,
  reason: string | null,
  errorCode: string | null | undefined,
): string | undefined {
  if (status === "suppressed") return String(twilioCodeForRefusal(reason).code);
  if (status !== "failed" && status !== "undelivered") return undefined;
  const mapped = reason === null ? undefined : byReason[reason];
  if (mapped !== undefined) return String(mapped);
  if (errorCode && /^\d{1,10}$/.test(errorCode)) return errorCode;
  return UNKNOWN_ERROR;
}
