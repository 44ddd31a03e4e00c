import { describe, expect, it } from "vitest";
import { cleanSendResult } from "./clean-send-result.js";
import type { TSendResultItem } from "./record-send-results.js";

const now = new Date("2026-01-01T00:00:00Z");
const failed = (errorMessage: string | null, errorCode: string | null = "21211"): TSendResultItem => ({
  kind: "failed",
  id: "msg_1",
  workspaceId: "ws_1",
  claim: { holder: "w1", attempts: 1 },
  contactId: "ctc_1",
  channelAccountId: "chn_1",
  reason: "provider_rejected",
  errorCode,
  errorMessage,
  markUnreachable: false,
  statusCallbackUrl: null,
  callbackKeyId: null,
});

describe("cleanSendResult", () => {
  it("answers a result that needs nothing as it is (the same object)", () => {
    const item = failed("Invalid 'To' number 🙂");
    expect(cleanSendResult(item, now)).toBe(item);
    const sent: TSendResultItem = {
      kind: "sent",
      id: "msg_1",
      workspaceId: "ws_1",
      claim: { holder: "w1", attempts: 1 },
      channelAccountId: "chn_1",
      providerMessageId: "SM123",
      acceptedAt: now,
      segments: 2,
      statusCallbackUrl: null,
      callbackKeyId: null,
    };
    expect(cleanSendResult(sent, now)).toBe(sent);
  });

  it("replaces lone surrogates, drops NUL, bounds the length on a code point boundary", () => {
    const clean = (m: string, code: string | null = "c") => {
      const r = cleanSendResult(failed(m, code), now);
      return r.kind === "failed" ? [r.errorMessage, r.errorCode] : [];
    };
    expect(clean("half \uD83D")).toEqual(["half \uFFFD", "c"]);
    expect(clean("\uDE42 low first")).toEqual(["\uFFFD low first", "c"]);
    expect(clean("a\u0000b", "2\u00001")).toEqual(["ab", "21"]);
    // 999 units then an emoji: cut before the pair, never in it.
    const [long] = clean(`${"a".repeat(999)}🙂🙂`);
    expect(long).toBe("a".repeat(999));
  });

  it("keeps a sent result's provider id storable, and drops a segment count or time no column takes", () => {
    const r = cleanSendResult(
      {
        kind: "sent",
        id: "msg_1",
        workspaceId: "ws_1",
        claim: { holder: "w1", attempts: 1 },
        channelAccountId: "chn_1",
        providerMessageId: "id\u0000\uD83D",
        acceptedAt: new Date(Number.NaN),
        segments: 1e12,
        statusCallbackUrl: null,
        callbackKeyId: null,
      },
      now,
    );
    expect(r).toMatchObject({ providerMessageId: "id\uFFFD", acceptedAt: now, segments: undefined });
    const retry = cleanSendResult(
      {
        kind: "retry",
        id: "msg_1",
        workspaceId: "ws_1",
        claim: { holder: "w1", attempts: 1 },
        dueAt: new Date(Number.NaN),
        reason: "provider_rate_limited",
        errorCode: null,
        errorMessage: null,
      },
      now,
    );
    expect(retry).toMatchObject({ dueAt: now });
  });
});
