import { z } from "zod";

/** The automatic replies a brand can word itself. */
export const replyKinds = ["opt_out", "opt_out_marketing", "opt_in", "help", "clarify"] as const;
export type TReplyKind = (typeof replyKinds)[number];

/** What to do with an uncertain opt-out detection: treat it as an opt-out, or ask once. */
export const uncertainPolicies = ["suppress", "clarify"] as const;
export type TUncertainPolicy = (typeof uncertainPolicies)[number];

/** Legal default opt-out keywords (FCC 24-24, CTIA); compared letters-only, upper case. */
const legalKeywordsCompact = new Set([
  "STOP",
  "STOPALL",
  "UNSUBSCRIBE",
  "CANCEL",
  "END",
  "QUIT",
  "REVOKE",
  "OPTOUT",
]);

export function compactKeyword(keyword: string): string {
  return keyword
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toUpperCase()
    .replace(/[^\p{L}\p{N}]/gu, "");
}

/** A language key: a primary language tag as the classifier reports it ("en", "fr", "zh") or "*" for any. */
const ZLanguageKey = z
  .string()
  .transform((k) => k.trim().toLowerCase())
  .pipe(z.string().regex(/^([a-z]{2,3}|\*)$/, 'must be a primary language tag such as "en", or "*"'));

/** One reply text. `{brand}` is replaced by the brand's name. 640 characters = 4 GSM-7 SMS segments. */
const ZReplyText = z.string().trim().min(1).max(640);

/** Texts by language; the classifier's language picks one, "*" is the fallback before Assent's defaults. */
export const ZTextsByLanguage = z
  .record(ZLanguageKey, ZReplyText)
  .refine((m) => Object.keys(m).length <= 100, "at most 100 languages");
export type TTextsByLanguage = z.infer<typeof ZTextsByLanguage>;

export const ZCustomKeywordSetting = z
  .object({
    keyword: z.string().trim().min(1).max(100),
    intent: z.enum(["opt_out", "opt_out_marketing", "opt_in", "help"]),
    language: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z]{2,3}$/)
      .optional(),
    country: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/)
      .optional(),
  })
  .strict();
export type TCustomKeywordSetting = z.infer<typeof ZCustomKeywordSetting>;

/** `PUT /v1/brands/{id}/intent-settings`: the whole intent configuration of a brand (absent = default). */
export const ZIntentSettingsInput = z
  .object({
    customKeywords: z.array(ZCustomKeywordSetting).max(200).default([]),
    confirmationTexts: z
      .object({
        opt_out: ZTextsByLanguage.optional(),
        opt_out_marketing: ZTextsByLanguage.optional(),
        opt_in: ZTextsByLanguage.optional(),
        clarify: ZTextsByLanguage.optional(),
      })
      .strict()
      .default({}),
    /** One text for every language, or texts by language. */
    helpText: z.union([ZReplyText, ZTextsByLanguage]).optional(),
    uncertainPolicy: z.enum(uncertainPolicies).default("suppress"),
    /** "clarify" policy: hours to wait for an answer; no answer counts as an opt-out (47 CFR 64.1200(a)(12)). */
    clarifyTimeoutHours: z.number().int().min(1).max(240).default(24),
  })
  .strict()
  .superRefine((s, ctx) => {
    s.customKeywords.forEach((k, i) => {
      const compact = compactKeyword(k.keyword);
      if (compact.length === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["customKeywords", i, "keyword"],
          message: "keyword needs a letter or digit",
        });
      } else if (legalKeywordsCompact.has(compact) && k.intent !== "opt_out") {
        ctx.addIssue({
          code: "custom",
          path: ["customKeywords", i, "intent"],
          message: `${k.keyword} is a legal opt-out keyword and always means opt_out`,
        });
      }
    });
  });
export type TIntentSettingsInput = z.input<typeof ZIntentSettingsInput>;

/** A brand's intent settings as the inbound path uses them. */
export interface TIntentSettings {
  customKeywords: TCustomKeywordSetting[];
  confirmationTexts: Partial<Record<Exclude<TReplyKind, "help">, TTextsByLanguage>>;
  helpText: TTextsByLanguage | undefined;
  uncertainPolicy: TUncertainPolicy;
  clarifyTimeoutHours: number;
}

export const defaultIntentSettings: TIntentSettings = Object.freeze({
  customKeywords: [],
  confirmationTexts: {},
  helpText: undefined,
  uncertainPolicy: "suppress",
  clarifyTimeoutHours: 24,
});

/** Validated input → the stored form (helpText always by language). */
export function toIntentSettings(input: z.output<typeof ZIntentSettingsInput>): TIntentSettings {
  const texts: TIntentSettings["confirmationTexts"] = {};
  for (const kind of ["opt_out", "opt_out_marketing", "opt_in", "clarify"] as const) {
    const t = input.confirmationTexts[kind];
    if (t !== undefined) texts[kind] = t;
  }
  return {
    customKeywords: input.customKeywords,
    confirmationTexts: texts,
    helpText: typeof input.helpText === "string" ? { "*": input.helpText } : input.helpText,
    uncertainPolicy: input.uncertainPolicy,
    clarifyTimeoutHours: input.clarifyTimeoutHours,
  };
}

/**
 * Reads `brands.settings.intent` as stored. Brand settings are free-form elsewhere, so a damaged or
 * foreign value falls back to the defaults field by field (the legal keywords apply whatever is stored).
 */
export function readIntentSettings(stored: unknown): TIntentSettings {
  const record =
    typeof stored === "object" && stored !== null && !Array.isArray(stored)
      ? (stored as Record<string, unknown>)
      : {};
  const field = <T>(schema: z.ZodType<T>, value: unknown, fallback: T): T => {
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : fallback;
  };
  const whole = ZIntentSettingsInput.safeParse(record);
  if (whole.success) return toIntentSettings(whole.data);
  const keywords = Array.isArray(record.customKeywords)
    ? record.customKeywords.flatMap((k) => {
        const parsed = ZCustomKeywordSetting.safeParse(k);
        if (!parsed.success) return [];
        const compact = compactKeyword(parsed.data.keyword);
        return compact.length === 0 || (legalKeywordsCompact.has(compact) && parsed.data.intent !== "opt_out")
          ? []
          : [parsed.data];
      })
    : [];
  const texts =
    typeof record.confirmationTexts === "object" && record.confirmationTexts !== null
      ? (record.confirmationTexts as Record<string, unknown>)
      : {};
  const confirmationTexts: TIntentSettings["confirmationTexts"] = {};
  for (const kind of ["opt_out", "opt_out_marketing", "opt_in", "clarify"] as const) {
    const t = field(ZTextsByLanguage.optional(), texts[kind], undefined);
    if (t !== undefined) confirmationTexts[kind] = t;
  }
  const help = field(z.union([ZReplyText, ZTextsByLanguage]).optional(), record.helpText, undefined);
  return {
    customKeywords: keywords.slice(0, 200),
    confirmationTexts,
    helpText: typeof help === "string" ? { "*": help } : help,
    uncertainPolicy: field(z.enum(uncertainPolicies), record.uncertainPolicy, "suppress"),
    clarifyTimeoutHours: field(z.number().int().min(1).max(240), record.clarifyTimeoutHours, 24),
  };
}
