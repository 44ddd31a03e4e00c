import { z } from "zod";
import { classify } from "./classify.js";
import type { TClassifyOptions, TExternalModel, TIntentResult } from "./intent.types.js";
import { ZIntent } from "./intent.types.js";
import { INTENT_THRESHOLDS } from "./intent-thresholds.js";

/** Default budget for the external model; the local result is returned when it runs out. */
export const DEFAULT_EXTERNAL_TIMEOUT_MS = 800;

const ZExternalAnswer = z.object({ intent: ZIntent, confidence: z.number().min(0).max(1) });

/** Options of {@link classifyWithExternal}. */
export interface TClassifyWithExternalOptions extends TClassifyOptions {
  /** Second opinion; off unless given. */
  external?: TExternalModel;
  /** Abort the external call after this many milliseconds (default 800). */
  externalTimeoutMs?: number;
}

function isOptOut(intent: string): boolean {
  return intent === "opt_out" || intent === "opt_out_marketing";
}

async function askWithTimeout(model: TExternalModel, text: string, timeoutMs: number): Promise<unknown> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error("external model timed out"));
    }, timeoutMs);
  });
  try {
    return await Promise.race([model.classify(text, controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Local classification plus an optional external model. The external answer may only upgrade a result
 * that is `none` or uncertain (to an opt-out, or from `none` to help/opt-in); it never overrides a keyword
 * and never turns an opt-out into something weaker. Errors, invalid answers and timeouts fall back
 * silently to the local result.
 */
export async function classifyWithExternal(
  text: string,
  options: TClassifyWithExternalOptions,
): Promise<TIntentResult> {
  const { external, externalTimeoutMs, ...local } = options;
  const result = classify(text, local);
  if (!external) return result;
  if (result.evidence.source === "keyword" || result.evidence.source === "custom_keyword") return result;
  if (result.intent !== "none" && !result.uncertain) return result;
  let answer: z.infer<typeof ZExternalAnswer>;
  try {
    const parsed = ZExternalAnswer.safeParse(
      await askWithTimeout(external, text, externalTimeoutMs ?? DEFAULT_EXTERNAL_TIMEOUT_MS),
    );
    if (!parsed.success) return result;
    answer = parsed.data;
  } catch {
    return result;
  }
  const upgradesToOptOut = isOptOut(answer.intent) && answer.confidence >= INTENT_THRESHOLDS.optOut;
  const upgradesFromNone =
    result.intent === "none" &&
    answer.intent !== "none" &&
    !isOptOut(answer.intent) &&
    answer.confidence >= INTENT_THRESHOLDS.certain;
  if (!upgradesToOptOut && !upgradesFromNone) return result;
  return {
    intent: answer.intent,
    confidence: answer.confidence,
    language: result.language,
    evidence: {
      source: "external",
      matched: external.name,
      detail: `local ${result.intent} (${result.confidence})`,
    },
    uncertain: answer.confidence < INTENT_THRESHOLDS.certain,
  };
}
