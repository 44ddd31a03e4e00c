import type { TConcept } from "./concept-lexicon.js";
import { CONCEPT_LEXICON } from "./concept-lexicon.js";
import { normalizeText } from "./normalize-text.js";
import { MARKETING_STEMS } from "./scope-lexicon.js";

/** Concepts found in a message, in reading order, with the languages whose stems matched. */
export interface TConceptMatch {
  /** Concept of each matching token, in order (a token may add several). */
  sequence: TConcept[];
  present: ReadonlySet<TConcept>;
  /** Token index of every hit of each concept. */
  positions: ReadonlyMap<TConcept, readonly number[]>;
  /** Number of matched stems per language, a language-identification hint. */
  languageVotes: ReadonlyMap<string, number>;
  /** Number of tokens in the message. */
  tokenCount: number;
}

interface TStemInfo {
  concepts: TConcept[];
  languages: string[];
}

const PREFIX = new Map<string, TStemInfo>();
const EXACT = new Map<string, TStemInfo>();
const PHRASES = new Map<string, TStemInfo>();
const SUBSTRINGS = new Map<string, TStemInfo>();
const SPACED_SCRIPT = /^[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}0-9 ]+$/u;
// Latin stems under four letters collide across languages ("peru", "y"); only these stay prefixes.
const SHORT_LATIN_PREFIXES = new Set(["sms", "txt", "msg", "dnc"]);
let minPrefix = 99;

function add(map: Map<string, TStemInfo>, key: string, concept: TConcept, lang: string): void {
  const info = map.get(key) ?? { concepts: [], languages: [] };
  if (!info.concepts.includes(concept)) info.concepts.push(concept);
  if (!info.languages.includes(lang)) info.languages.push(lang);
  map.set(key, info);
}

for (const [lang, concepts] of Object.entries(CONCEPT_LEXICON)) {
  for (const [concept, stems] of Object.entries(concepts) as [TConcept, string][]) {
    for (const raw of stems.split(/\s+/)) {
      if (raw.length === 0) continue;
      const exact = raw.endsWith("=");
      const norm = normalizeText(raw.replace(/=$/, "").replace(/_/g, " ")).text;
      if (norm.length === 0) continue;
      if (exact) add(EXACT, norm, concept, lang);
      else if (!SPACED_SCRIPT.test(norm)) add(SUBSTRINGS, norm, concept, lang);
      else if (norm.includes(" ")) add(PHRASES, norm, concept, lang);
      else if (norm.length < 4 && /^[a-z]+$/.test(norm) && !SHORT_LATIN_PREFIXES.has(norm))
        add(EXACT, norm, concept, lang);
      else {
        add(PREFIX, norm, concept, lang);
        minPrefix = Math.min(minPrefix, norm.length);
      }
    }
  }
}

for (const raw of MARKETING_STEMS) {
  const norm = normalizeText(raw).text;
  if (norm.length === 0) continue;
  if (!SPACED_SCRIPT.test(norm)) add(SUBSTRINGS, norm, "P", "und");
  else if (norm.includes(" ")) add(PHRASES, norm, "P", "und");
  else if (norm.length < 4) add(EXACT, norm, "P", "und");
  else {
    add(PREFIX, norm, "P", "und");
    minPrefix = Math.min(minPrefix, norm.length);
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// Phrases indexed by their first word; the last word matches as a prefix like single stems.
const PHRASES_BY_FIRST = new Map<string, { rest: string[]; info: TStemInfo }[]>();
for (const [phrase, info] of PHRASES) {
  const [first, ...rest] = phrase.split(" ");
  if (first === undefined) continue;
  const list = PHRASES_BY_FIRST.get(first) ?? [];
  list.push({ rest, info });
  PHRASES_BY_FIRST.set(first, list);
}
// Three-letter heads of all prefix stems: most tokens fail this one look-up and skip the prefix scan.
const PREFIX_HEADS = new Set([...PREFIX.keys()].map((k) => k.slice(0, 3)));
const PREFIX_LENGTHS = [...new Set([...PREFIX.keys()].map((k) => k.length))].sort((a, b) => b - a);
// One expression per writing system, run only when the text contains that script.
const SCRIPT_TESTS: readonly [string, RegExp][] = [
  ["cjk", /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]/],
  ["hangul", /[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]/],
  ["thai", /[\u0e00-\u0e7f]/],
  ["arabic", /[\u0600-\u06ff\u0750-\u077f]/],
  ["hebrew", /[\u0590-\u05ff]/],
  ["indic", /[\u0900-\u0dff]/],
];
function scriptOf(stem: string): string {
  for (const [name, re] of SCRIPT_TESTS) if (re.test(stem)) return name;
  return "other";
}
const SUBSTRING_RES: readonly [RegExp, RegExp][] = [
  ...SCRIPT_TESTS,
  ["other", /[\u0080-\uffff]/] as const,
].flatMap(([name, test]) => {
  const stems = [...SUBSTRINGS.keys()]
    .filter((k) => scriptOf(k) === name)
    .sort((a, b) => b.length - a.length);
  return stems.length === 0
    ? []
    : [[test, new RegExp(stems.map(escapeRegex).join("|"), "gu")] as [RegExp, RegExp]];
});

function prefixInfo(token: string): TStemInfo | undefined {
  if (token.length < minPrefix || !PREFIX_HEADS.has(token.slice(0, 3))) return undefined;
  for (const k of PREFIX_LENGTHS) {
    if (k > token.length) continue;
    const info = PREFIX.get(k === token.length ? token : token.slice(0, k));
    if (info) return info;
  }
  return undefined;
}

function tokenAt(starts: readonly number[], charOffset: number): number {
  let i = 0;
  while (i + 1 < starts.length && (starts[i + 1] ?? Number.POSITIVE_INFINITY) <= charOffset) i++;
  return i;
}

function phraseMatches(tokens: readonly string[], i: number, rest: readonly string[]): boolean {
  if (i + rest.length >= tokens.length) return false;
  for (let j = 0; j < rest.length; j++) {
    const want = rest[j] ?? "";
    const got = tokens[i + 1 + j] ?? "";
    if (j === rest.length - 1 ? !got.startsWith(want) : got !== want) return false;
  }
  return true;
}

/**
 * Finds opt-out building blocks (stop, remove, contact, negation, more, …) in normalised text across
 * all languages at once. Cheap: a few map look-ups per token plus two regular expressions.
 */
export function detectConcepts(tokens: readonly string[], text: string): TConceptMatch {
  // [char offset, token index, stem]
  const hits: [number, number, TStemInfo][] = [];
  const starts: number[] = [];
  let offset = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? "";
    starts.push(offset);
    const exact = EXACT.get(token);
    if (exact) hits.push([offset, i, exact]);
    const prefix = prefixInfo(token);
    if (prefix) hits.push([offset, i, prefix]);
    for (const p of PHRASES_BY_FIRST.get(token) ?? [])
      if (phraseMatches(tokens, i, p.rest)) hits.push([offset, i, p.info]);
    offset += token.length + 1;
  }
  if (!SPACED_SCRIPT.test(text)) {
    for (const [test, re] of SUBSTRING_RES) {
      if (!test.test(text)) continue;
      for (const m of text.matchAll(re)) {
        const info = SUBSTRINGS.get(m[0]);
        if (info) hits.push([m.index ?? 0, tokenAt(starts, m.index ?? 0), info]);
      }
    }
  }
  hits.sort((a, b) => a[0] - b[0]);
  const sequence: TConcept[] = [];
  const present = new Set<TConcept>();
  const positions = new Map<TConcept, number[]>();
  const languageVotes = new Map<string, number>();
  for (const [, index, info] of hits) {
    for (const c of info.concepts) {
      if (sequence[sequence.length - 1] !== c) sequence.push(c);
      present.add(c);
      const list = positions.get(c);
      if (list) list.push(index);
      else positions.set(c, [index]);
    }
    for (const l of info.languages) {
      if (l !== "und") languageVotes.set(l, (languageVotes.get(l) ?? 0) + 1 / info.languages.length);
    }
  }
  return { sequence, present, positions, languageVotes, tokenCount: tokens.length };
}
