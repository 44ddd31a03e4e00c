import { describe, expect, it } from "vitest";
import { twilioCallbackErrorCode } from "./twilio-callback-error-code.js";

describe("twilioCallbackErrorCode", () => {
  it("gives every failed or refused message a Twilio error number, and nothing else one", () => {
    expect(twilioCallbackErrorCode("failed", "outside_session_window", "131047")).toBe("63016");
    expect(twilioCallbackErrorCode("failed", "invalid_recipient", "INVALID_RECIPIENT")).toBe("21211");
    expect(twilioCallbackErrorCode("failed", "recipient_unreachable", null)).toBe("30003");
    expect(twilioCallbackErrorCode("failed", "recipient_opted_out", "21610")).toBe("21610");
    // Twilio's own code from a Twilio sender passes through; our codes and none become "Unknown error".
    expect(twilioCallbackErrorCode("undelivered", "provider_error_30007", "30007")).toBe("30007");
    expect(twilioCallbackErrorCode("failed", "retries_exhausted", "UNAVAILABLE")).toBe("30008");
    expect(twilioCallbackErrorCode("failed", "channel_account_disabled", null)).toBe("30008");
    expect(twilioCallbackErrorCode("failed", null, undefined)).toBe("30008");
    expect(twilioCallbackErrorCode("suppressed", "opted_out", null)).toBe("21610");
    for (const status of ["queued", "sending", "sent", "delivered", "read"])
      expect(twilioCallbackErrorCode(status, null, "30008")).toBeUndefined();
  });
});
