import { z } from "zod";

/** What an inbound message asks of the brand that receives it. */
export const ZIntent = z.enum(["opt_out", "opt_out_marketing", "opt_in", "help", "none"]);
export type TIntent = z.infer<typeof ZIntent>;

/** Intents a keyword can map to (a keyword never means "nothing"). */
export const ZKeywordIntent = z.enum(["opt_out", "opt_out_marketing", "opt_in", "help"]);
export type TKeywordIntent = z.infer<typeof ZKeywordIntent>;

export const ZChannel = z.enum(["sms", "whatsapp", "telegram", "instagram", "sandbox"]);
export type TChannel = z.infer<typeof ZChannel>;

/**
 * A brand-defined keyword. It is matched against the whole normalised message, like the built-in ones.
 * `language` / `country` restrict it to messages whose detected language or `countryHint` match.
 */
export const ZCustomKeyword = z.object({
  keyword: z.string().min(1).max(100),
  intent: ZKeywordIntent,
  language: z.string().min(2).max(12).optional(),
  country: z.string().length(2).optional(),
});
export type TCustomKeyword = z.infer<typeof ZCustomKeyword>;

/** Hints for one classification; all optional. */
export const ZClassifyOptions = z.object({
  channel: ZChannel.optional(),
  /** BCP-47 locale of the contact if known ("es-MX"); used as a language hint, never as a gate. */
  locale: z.string().max(35).optional(),
  /** ISO 3166-1 alpha-2 country of the contact's number, used to select country-scoped custom keywords. */
  countryHint: z.string().max(2).optional(),
  customKeywords: z.array(ZCustomKeyword).max(500).optional(),
});
export type TClassifyOptions = z.infer<typeof ZClassifyOptions>;

export const ZEvidenceSource = z.enum(["keyword", "custom_keyword", "rule", "model", "external"]);
export type TEvidenceSource = z.infer<typeof ZEvidenceSource>;

/** Result of a classification. */
export const ZIntentResult = z.object({
  intent: ZIntent,
  /** Confidence in `intent`, 0..1. */
  confidence: z.number().min(0).max(1),
  /** BCP-47 primary language tag ("en", "es", "zh") or "und". */
  language: z.string(),
  evidence: z.object({
    source: ZEvidenceSource,
    matched: z.string().optional(),
    detail: z.string().optional(),
  }),
  /** True when the opt-out probability falls in the clarification band: suppress or ask once. */
  uncertain: z.boolean(),
});
export type TIntentResult = z.infer<typeof ZIntentResult>;

/** A pluggable second opinion (an LLM or any remote classifier). */
export interface TExternalModel {
  name: string;
  classify(text: string, signal: AbortSignal): Promise<{ intent: TIntent; confidence: number }>;
}

export const ZConfirmationKind = z.enum(["opt_out", "opt_out_marketing", "opt_in", "help", "clarify"]);
export type TConfirmationKind = z.infer<typeof ZConfirmationKind>;
