/** Language candidates per writing system; the model's language head chooses among them. */
const SCRIPT_GROUPS: Readonly<Record<string, readonly string[]>> = {
  latin: [
    "en",
    "es",
    "pt",
    "fr",
    "de",
    "it",
    "nl",
    "sv",
    "da",
    "no",
    "fi",
    "pl",
    "cs",
    "sk",
    "hu",
    "ro",
    "tr",
    "id",
    "ms",
    "vi",
    "tl",
    "sw",
    "hr",
    "sl",
    "lt",
    "lv",
    "et",
    "ca",
    "sr",
    "hi",
  ],
  cyrillic: ["ru", "uk", "bg", "sr"],
  arabic: ["ar", "fa", "ur"],
};

const SINGLE_SCRIPT: readonly [RegExp, string][] = [
  [/[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]/, "ko"],
  [/[\u3040-\u30ff]/, "ja"],
  [/[\u4e00-\u9fff\u3400-\u4dbf]/, "zh"],
  [/[\u0e00-\u0e7f]/, "th"],
  [/[\u0590-\u05ff]/, "he"],
  [/[\u0370-\u03ff\u1f00-\u1fff]/, "el"],
  [/[\u0900-\u097f]/, "hi"],
  [/[\u0980-\u09ff]/, "bn"],
];

/** Inputs to {@link detectLanguage}. */
export interface TDetectLanguageOptions {
  /** The message after normalisation (accents stripped), used for script tests. */
  raw: string;
  /** Language-head probabilities aligned with `languages`, computed only when the script leaves a choice. */
  probs?: () => Float64Array;
  languages?: readonly string[];
  /** Primary subtag of the contact's locale, if known. */
  hint?: string;
  /** Lexicon stems matched per language (a second, independent vote). */
  votes?: ReadonlyMap<string, number>;
}

// How much one matched lexicon stem counts against the model's probability.
const VOTE_WEIGHT = 0.15;

const FA_UR: readonly string[] = ["fa", "ur"];

// Position of each candidate in the model's language list (-1 when the model lacks it), per list.
const indexCache = new WeakMap<readonly string[], WeakMap<readonly string[], Int32Array>>();

function indexOf(languages: readonly string[], candidates: readonly string[]): Int32Array {
  let byCandidates = indexCache.get(languages);
  if (!byCandidates) {
    byCandidates = new WeakMap();
    indexCache.set(languages, byCandidates);
  }
  let index = byCandidates.get(candidates);
  if (!index) {
    index = Int32Array.from(candidates, (l) => languages.lastIndexOf(l));
    byCandidates.set(candidates, index);
  }
  return index;
}

function pick(candidates: readonly string[], o: TDetectLanguageOptions): string | undefined {
  if (!o.probs || !o.languages) return candidates[0];
  const probs = o.probs();
  const index = indexOf(o.languages, candidates);
  const votes = o.votes && o.votes.size > 0 ? o.votes : undefined;
  let best: string | undefined;
  let bestP = -1;
  let hintP = 0;
  for (let k = 0; k < candidates.length; k++) {
    const lang = candidates[k] as string;
    const i = index[k] as number;
    const p = (i < 0 ? 0 : (probs[i] ?? 0)) + VOTE_WEIGHT * (votes?.get(lang) ?? 0);
    if (lang === o.hint) hintP = p;
    if (p > bestP) {
      bestP = p;
      best = lang;
    }
  }
  // A locale hint wins unless the text clearly says otherwise: replies are short and often ambiguous.
  if (o.hint && candidates.includes(o.hint) && hintP >= bestP * 0.25) return o.hint;
  return best;
}

/**
 * Best-effort BCP-47 primary language of a reply: the writing system first, letters unique to one
 * language next, then the model's language head, with the contact's locale as a tie-breaker.
 * Returns "und" when there is nothing to go on. A hint, never a gate.
 */
export function detectLanguage(o: TDetectLanguageOptions): string {
  const s = o.raw;
  if (!/[\u0080-\uffff]/.test(s))
    return /[a-z]/i.test(s) ? (pick(SCRIPT_GROUPS.latin ?? [], o) ?? "en") : (o.hint ?? "und");
  for (const [re, lang] of SINGLE_SCRIPT)
    if (re.test(s)) return lang === "zh" && /[\u3040-\u30ff]/.test(s) ? "ja" : lang;
  if (/[\u0600-\u06ff]/.test(s)) {
    if (/[ٹڈڑںےھ]/.test(s)) return "ur";
    if (/[پچژگکی]/.test(s)) return pick(FA_UR, o) ?? "fa";
    return pick(SCRIPT_GROUPS.arabic ?? [], o) ?? "ar";
  }
  if (/[\u0400-\u04ff]/.test(s)) {
    if (/[іїєґ]/.test(s)) return "uk";
    if (/[ђјљњћџ]/.test(s)) return "sr";
    if (/[ыэё]/.test(s)) return "ru";
    return pick(SCRIPT_GROUPS.cyrillic ?? [], o) ?? "ru";
  }
  if (/[a-z]/i.test(s)) return pick(SCRIPT_GROUPS.latin ?? [], o) ?? "en";
  return o.hint ?? "und";
}
