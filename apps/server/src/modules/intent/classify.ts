import type { TConceptMatch } from "./detect-concepts.js";
import { detectConcepts } from "./detect-concepts.js";
import { detectLanguage } from "./detect-language.js";
import { detectScope } from "./detect-scope.js";
import { FeatureBuffer } from "./extract-features.js";
import { hasOptOutCue } from "./has-opt-out-cue.js";
import type { TClassifyOptions, TIntent, TIntentResult } from "./intent.types.js";
import type { TIntentModel } from "./intent-model.types.js";
import { MODEL_INTENTS } from "./intent-model.types.js";
import { INTENT_RULES } from "./intent-rules.js";
import { INTENT_THRESHOLDS } from "./intent-thresholds.js";
import { LEGAL_DEFAULT_KEYWORDS } from "./legal-default-keywords.js";
import { loadIntentModel } from "./load-intent-model.js";
import { matchCustomKeyword } from "./match-custom-keyword.js";
import { matchKeyword } from "./match-keyword.js";
import { matchSentenceKeyword } from "./match-sentence-keyword.js";
import { predictIntent } from "./predict-intent.js";
import { predictLanguage } from "./predict-language.js";
import { prepareUnquotedText } from "./prepare-model-text.js";
import { stripQuotedText } from "./strip-quoted-text.js";

const LEGAL = new Set(LEGAL_DEFAULT_KEYWORDS.map((k) => k.toLowerCase().replace(/[^a-z]/g, "")));

// Scratch space reused by every call: classify is synchronous and never re-entered, so one message's
// features and probabilities never meet another's. Nothing in them outlives the call.
const FEATURES = new FeatureBuffer();
const INTENT_PROBS = new Float64Array(MODEL_INTENTS.length);
let langProbsModel: TIntentModel | undefined;
let langProbs = new Float64Array(0);

function languageProbs(model: TIntentModel, feats: FeatureBuffer): Float64Array {
  if (langProbsModel !== model) {
    langProbs = new Float64Array(model.languages.length);
    langProbsModel = model;
  }
  return predictLanguage(model, feats, langProbs);
}

function primaryTag(locale: string | undefined): string | undefined {
  const tag = locale?.trim().toLowerCase().split(/[-_]/)[0];
  return tag && /^[a-z]{2,3}$/.test(tag) ? (tag === "nb" || tag === "nn" ? "no" : tag) : undefined;
}

function scoped(intent: TIntent, concepts: TConceptMatch): TIntent {
  return intent === "opt_out" && detectScope(concepts) === "marketing" ? "opt_out_marketing" : intent;
}

function keywordLanguage(languages: readonly string[], hint: string | undefined): string {
  if (hint && languages.includes(hint)) return hint;
  return languages[0] ?? "und";
}

/**
 * Classifies one inbound reply. Cascade: normalise → strip quoted text and sender instructions →
 * legal keyword → brand keyword → keyword in any language → negation/object/scope rules → n-gram model.
 * Synchronous, pure and allocation-light; never throws for any string.
 */
export function classify(text: string, options: TClassifyOptions = {}): TIntentResult {
  const input = typeof text === "string" ? text : "";
  const hint = primaryTag(options.locale);
  const unquoted = stripQuotedText(input);
  const { norm, text: clean, tokens } = prepareUnquotedText(unquoted);

  // A reply of a few words is never a sender instruction, so keywords are tested before stripping those.
  const kw = matchKeyword(norm.tokens.length <= 4 ? norm.tokens : tokens, norm.stopEmoji);
  if (kw && !kw.fuzzy && kw.intent === "opt_out" && LEGAL.has(kw.keyword)) {
    return {
      intent: "opt_out",
      confidence: 0.99,
      language: keywordLanguage(kw.languages, hint),
      evidence: { source: "keyword", matched: kw.keyword, detail: "legal default" },
      uncertain: false,
    };
  }

  const model = loadIntentModel();
  const concepts = detectConcepts(tokens, clean);
  const cue = tokens.length > 0 && hasOptOutCue(concepts);
  const feats = tokens.length > 0 ? FEATURES.fill(tokens, concepts, cue) : undefined;
  const language =
    tokens.length > 0 || norm.stopEmoji
      ? detectLanguage({
          raw: norm.text,
          probs: feats ? () => languageProbs(model, feats) : undefined,
          languages: model.languages,
          hint,
          votes: concepts.languageVotes,
        })
      : (hint ?? "und");

  const custom = matchCustomKeyword(tokens, options.customKeywords, {
    languages: [language, ...(hint ? [hint] : [])],
    country: options.countryHint,
  });
  if (custom) {
    return {
      intent: custom.intent,
      confidence: 0.97,
      language,
      evidence: { source: "custom_keyword", matched: custom.keyword },
      uncertain: false,
    };
  }

  const sentenceKw = kw ? undefined : matchSentenceKeyword(unquoted);
  if (sentenceKw) {
    return {
      intent: "opt_out",
      confidence: 0.9,
      language: keywordLanguage(
        sentenceKw.languages.includes(language) ? [language] : sentenceKw.languages,
        hint,
      ),
      evidence: { source: "keyword", matched: sentenceKw.keyword, detail: "keyword sentence" },
      uncertain: false,
    };
  }

  if (kw) {
    return {
      intent: kw.intent,
      confidence: kw.fuzzy ? 0.85 : 0.97,
      language: kw.languages.includes(language) ? language : keywordLanguage(kw.languages, hint),
      evidence: { source: "keyword", matched: kw.keyword, ...(kw.fuzzy ? { detail: "one edit away" } : {}) },
      uncertain: false,
    };
  }

  if (!feats) {
    return {
      intent: "none",
      confidence: 1,
      language,
      evidence: { source: "rule", detail: "empty" },
      uncertain: false,
    };
  }

  const pred = predictIntent(model, feats, INTENT_PROBS);
  for (const rule of INTENT_RULES) {
    if (!rule.when.test(clean) || rule.unless?.test(clean)) continue;
    return {
      intent: scoped(rule.intent, concepts),
      confidence: rule.uncertain ? 0.6 : 0.9,
      language,
      evidence: { source: "rule", detail: rule.id },
      uncertain: rule.uncertain === true,
    };
  }

  return decideFromModel(pred, concepts, cue, language);
}

function decideFromModel(
  p: Float64Array,
  concepts: TConceptMatch,
  cue: boolean,
  language: string,
): TIntentResult {
  const pOut = p[0] ?? 0;
  const pMkt = p[1] ?? 0;
  const pOpt = pOut + pMkt;
  if (!cue && pOpt >= INTENT_THRESHOLDS.optOut) {
    // No stop, remove, negated-contact or consent word anywhere: conversation, not a request. Ask at most.
    return {
      intent: "none",
      confidence: round(1 - pOpt),
      language,
      evidence: {
        source: "rule",
        detail: `no opt-out cue; p(opt_out)=${round(pOut)} p(marketing)=${round(pMkt)}`,
      },
      uncertain: pOpt >= INTENT_THRESHOLDS.certain,
    };
  }
  if (pOpt >= INTENT_THRESHOLDS.optOut) {
    const intent: TIntent =
      detectScope(concepts) === "marketing" || pMkt > pOut ? "opt_out_marketing" : "opt_out";
    return {
      intent,
      confidence: round(pOpt),
      language,
      evidence: { source: "model", detail: `p(opt_out)=${round(pOut)} p(marketing)=${round(pMkt)}` },
      uncertain: pOpt < INTENT_THRESHOLDS.certain,
    };
  }
  let best = 4;
  for (let c = 2; c < MODEL_INTENTS.length; c++) if ((p[c] ?? 0) > (p[best] ?? 0)) best = c;
  return {
    intent: MODEL_INTENTS[best] ?? "none",
    confidence: round(p[best] ?? 0),
    language,
    evidence: { source: "model", detail: `p(opt_out)=${round(pOut)} p(marketing)=${round(pMkt)}` },
    uncertain: pOpt >= INTENT_THRESHOLDS.clarify,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
