import { describe, expect, it } from "vitest";
import type { TIntentResult } from "../intent/index.js";
import { classifyInbound } from "./classify-inbound.js";

const uncertain = (intent: "opt_in" | "opt_out"): TIntentResult => ({
  intent,
  confidence: 0.55,
  language: "en",
  evidence: { source: "external" },
  uncertain: true,
});

describe("classifyInbound with Twilio's OptOutType", () => {
  it("answers the provider's verdict as certain, even where the text agreed uncertainly", () => {
    for (const [type, intent] of [
      ["STOP", "opt_out"],
      ["START", "opt_in"],
    ] as const) {
      const { result } = classifyInbound({
        body: "well ok",
        channel: "sms",
        customKeywords: [],
        preclassified: uncertain(intent),
        providerOptOutType: type,
      });
      expect(result).toMatchObject({ intent, uncertain: false, confidence: 1 });
    }
  });

  it("takes HELP only where the text asked for nothing else", () => {
    const stop = classifyInbound({
      body: "STOP",
      channel: "sms",
      customKeywords: [],
      providerOptOutType: "HELP",
    });
    expect(stop.result.intent).toBe("opt_out");
    const none = classifyInbound({
      body: "INFO2",
      channel: "sms",
      customKeywords: [],
      providerOptOutType: "HELP",
    });
    expect(none.result.intent).toBe("help");
  });
});
