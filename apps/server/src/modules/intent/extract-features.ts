import type { TConceptMatch } from "./detect-concepts.js";
import { hasOptOutCue } from "./has-opt-out-cue.js";

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const MAX_TOKENS = 64;
const MAX_TOKEN_CHARS = 40;
const SEED_WORD = 0x1b873593;
const SEED_BIGRAM = 0x5bd1e995;
const SEED_CHAR = 0x27d4eb2d;
const SEED_LEN = 0x165667b1;
const SEED_CONCEPT = 0x9e3779b1;
const BOS = "\u0002";
const EOS = "\u0003";

function hashString(seed: number, s: string, h0: number = FNV_OFFSET): number {
  let h = (h0 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

function isIdeographic(code: number): boolean {
  return (
    (code >= 0x2e80 && code <= 0x9fff) ||
    (code >= 0xac00 && code <= 0xd7af) ||
    (code >= 0x0e00 && code <= 0x0e7f)
  );
}

/** Character 3-grams go to `tri` (they also feed the language head), the other lengths to `rest`. */
function pushCharNgrams(token: string, tri: number[], rest: number[]): void {
  const t = token.length > MAX_TOKEN_CHARS ? token.slice(0, MAX_TOKEN_CHARS) : token;
  const s = `<${t}>`;
  const minN = isIdeographic(t.charCodeAt(0)) ? 1 : 2;
  for (let i = 0; i < s.length; i++) {
    let h = (FNV_OFFSET ^ SEED_CHAR) >>> 0;
    for (let n = 1; n <= 5 && i + n <= s.length; n++) {
      h = Math.imul(h ^ s.charCodeAt(i + n - 1), FNV_PRIME);
      if (n < minN || (n === 1 && (s.charAt(i) === "<" || s.charAt(i) === ">"))) continue;
      (n === 3 ? tri : rest).push(h >>> 0);
    }
  }
}

/** Concept features are few next to the n-grams; each counts this many times in the intent head. */
export const CONCEPT_WEIGHT = 3;

/**
 * Feature hashes in three consecutive groups: `[0, langCount)` word unigrams and character 3-grams (the
 * language head reads only these), `[langCount, ngramCount)` the other n-grams, then concept features.
 */
export interface TFeatures {
  hashes: number[];
  langCount: number;
  ngramCount: number;
}

function pushConceptFeatures(m: TConceptMatch, feats: number[]): void {
  const present = [...m.present].sort();
  for (const c of present) feats.push(hashString(SEED_CONCEPT, c));
  for (let i = 0; i < present.length; i++) {
    for (let j = i + 1; j < present.length; j++)
      feats.push(hashString(SEED_CONCEPT, `${present[i]}+${present[j]}`));
  }
  let prev = "^";
  for (const c of m.sequence) {
    feats.push(hashString(SEED_CONCEPT, `${prev}>${c}`));
    prev = c;
  }
  feats.push(hashString(SEED_CONCEPT, `${prev}>$`));
  feats.push(hashString(SEED_CONCEPT, hasOptOutCue(m) ? "cue" : "no-cue"));
  // Ordered pairs within three tokens ("N<C": a negation just before a contact word) carry the
  // structure that distinguishes "no ads" from "ads? no idea" in any language.
  const hits: [number, string][] = [];
  for (const [c, list] of m.positions) for (const p of list) hits.push([p, c]);
  hits.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
  for (let i = 0; i < hits.length; i++) {
    const [pi, ci] = hits[i] ?? [0, ""];
    for (let j = i + 1; j < hits.length; j++) {
      const [pj, cj] = hits[j] ?? [0, ""];
      if (pj - pi > 3) break;
      if (ci !== cj) feats.push(hashString(SEED_CONCEPT, `${ci}<${cj}`));
    }
  }
}

function lengthBucket(n: number): string {
  if (n <= 3) return String(n);
  if (n <= 6) return "4-6";
  if (n <= 12) return "7-12";
  if (n <= 25) return "13-25";
  return "26+";
}

/**
 * Hashed features of normalised tokens, fastText style: word unigrams, word bigrams with sentence
 * boundaries, character 2–5-grams of each word with boundary marks (1-grams too for CJK and Thai),
 * a length bucket, and language-independent concept features (each concept, concepts in reading order,
 * pairs of concepts) that let what is learnt in one language carry over to the others.
 * Returns unsigned 32-bit hashes; callers reduce them to their bucket count.
 */
export function extractFeatures(tokens: readonly string[], concepts?: TConceptMatch): TFeatures {
  const out: number[] = [];
  const rest: number[] = [];
  const n = Math.min(tokens.length, MAX_TOKENS);
  let prev = BOS;
  for (let i = 0; i < n; i++) {
    const tok = tokens[i] ?? "";
    const word = /^[0-9]+$/.test(tok) ? "0" : tok;
    out.push(hashString(SEED_WORD, word));
    rest.push(hashString(SEED_BIGRAM, word, hashString(SEED_BIGRAM, prev)));
    if (word !== "0") pushCharNgrams(word, out, rest);
    prev = word;
  }
  if (n > 0) rest.push(hashString(SEED_BIGRAM, EOS, hashString(SEED_BIGRAM, prev)));
  rest.push(hashString(SEED_LEN, lengthBucket(tokens.length)));
  const langCount = out.length;
  for (const h of rest) out.push(h);
  const ngramCount = out.length;
  if (concepts) pushConceptFeatures(concepts, out);
  return { hashes: out, langCount, ngramCount };
}
