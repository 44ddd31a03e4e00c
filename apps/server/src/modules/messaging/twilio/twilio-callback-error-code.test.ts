import { describe, expect, it } from "vitest";
import { twilioCallbackErrorCode } from "./twilio-callback-error-code.js";

const code = (
  status: string,
  reason: string | null,
  errorCode: string | null,
  providerId = "whatsapp-cloud",
) => twilioCallbackErrorCode({ status, reason, errorCode, providerId });

describe("twilioCallbackErrorCode", () => {
  it("gives every failed or refused message a Twilio error number, and nothing else one", () => {
    // Another provider's codes are never passed on: the closest Twilio code, else 30008 (unknown error).
    expect(code("failed", "outside_session_window", "131047")).toBe("63016");
    expect(code("failed", "invalid_recipient", "131026")).toBe("21211");
    expect(code("failed", "recipient_unreachable", null)).toBe("30003");
    expect(code("failed", "recipient_opted_out", "131050")).toBe("21610");
    expect(code("failed", "retries_exhausted", "80007")).toBe("30008");
    expect(code("failed", "channel_account_disabled", null)).toBe("30008");
    expect(code("failed", null, null)).toBe("30008");
    // A Twilio sender's own code is passed on as it is, before any mapping of ours.
    expect(code("undelivered", "provider_error_30007", "30007", "twilio")).toBe("30007");
    expect(code("failed", "invalid_recipient", "21614", "twilio")).toBe("21614");
    expect(code("failed", "retries_exhausted", "UNAVAILABLE", "twilio")).toBe("30008");
    expect(code("suppressed", "opted_out", null)).toBe("21610");
    expect(code("suppressed", "consent_missing", null)).toBe("30007");
    for (const status of ["queued", "sending", "sent", "delivered", "read"])
      expect(code(status, null, "30008", "twilio")).toBeUndefined();
  });
});
