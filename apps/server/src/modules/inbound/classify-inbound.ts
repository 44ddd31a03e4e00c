import type { TChannel } from "../channels/index.js";
import { classify, type TIntentResult } from "../intent/index.js";
import type { TCustomKeywordSetting } from "./intent-settings.schema.js";

export interface TInboundClassification {
  result: TIntentResult;
  /** The opt-out came from a tapped button (WhatsApp "Stop promotions" quick reply), not typed text. */
  button: boolean;
}

/** Meta's marketing opt-out quick reply, in the languages WhatsApp shows it in most often. */
const stopPromotions =
  /^(stop promotions?|stop marketing|detener promociones|parar promo[cç][oõ]es|arr[eê]ter (les )?promotions|stopp werbung|werbung stoppen|interrompi promozioni|stop promoties)$/;

function isStopPromotions(text: string | undefined): boolean {
  if (text === undefined) return false;
  const t = text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s_-]+/g, " ")
    .replace(/[^\p{L}\p{N} ]/gu, "")
    .trim();
  return stopPromotions.test(t);
}

/**
 * The intent of one inbound message with the brand's keywords. A tapped "Stop promotions" button is a
 * marketing opt-out whatever the classifier would say of its label.
 */
export function classifyInbound(o: {
  body: string;
  buttonPayload?: string | undefined;
  channel: TChannel;
  countryHint?: string | undefined;
  customKeywords: readonly TCustomKeywordSetting[];
  /** The external model's upgrade of this message, asked before the transaction (preclassifyInbound). */
  preclassified?: TIntentResult | undefined;
  /** Twilio Advanced Opt-Out's verdict (`OptOutType`): the provider has already acted on it. */
  providerOptOutType?: "STOP" | "START" | "HELP" | undefined;
}): TInboundClassification {
  const classified = classifyText(o);
  return { ...classified, result: withProviderVerdict(classified.result, o.providerOptOutType) };
}

/**
 * Twilio blocks the number on an opt-out keyword of the sender's own list (`OptOutType=STOP`, a
 * keyword our classifier may not know, such as a custom "FIN") and unblocks it on START: Assent records
 * what the provider did, whatever the text says. HELP only where the text asked for nothing else.
 */
function withProviderVerdict(
  result: TIntentResult,
  type: "STOP" | "START" | "HELP" | undefined,
): TIntentResult {
  const verdict = (intent: "opt_out" | "opt_in" | "help"): TIntentResult => ({
    intent,
    confidence: 1,
    language: result.language,
    evidence: { source: "keyword", matched: `OptOutType=${type}`, detail: "provider" },
    uncertain: false,
  });
  // Certain even where the text agrees uncertainly: Twilio has acted, there is nothing to ask.
  if (type === "STOP") return verdict("opt_out");
  if (type === "START") return verdict("opt_in");
  if (type === "HELP" && result.intent === "none" && !result.uncertain) return verdict("help");
  return result;
}

function classifyText(o: Parameters<typeof classifyInbound>[0]): TInboundClassification {
  const result =
    o.preclassified ??
    classify(o.body, {
      channel: o.channel,
      ...(o.countryHint ? { countryHint: o.countryHint } : {}),
      ...(o.customKeywords.length > 0 ? { customKeywords: [...o.customKeywords] } : {}),
    });
  if (o.buttonPayload === undefined) return { result, button: false };
  if (isStopPromotions(o.body) || isStopPromotions(o.buttonPayload)) {
    return {
      result: {
        intent: "opt_out_marketing",
        confidence: 1,
        language: result.language,
        evidence: { source: "keyword", matched: "stop promotions", detail: "button" },
        uncertain: false,
      },
      button: true,
    };
  }
  return { result, button: result.intent === "opt_out" || result.intent === "opt_out_marketing" };
}
