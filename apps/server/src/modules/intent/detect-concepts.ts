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
  /** Ids (in VOTE_LANGUAGES) of `languages` other than "und", filled in once the lexicon is built. */
  voters: number[];
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
  const info = map.get(key) ?? { concepts: [], languages: [], voters: [] };
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
// Languages that stems vote for, by id; per message the votes add up in a typed array.
const VOTE_LANGUAGES: string[] = [];
{
  const ids = new Map<string, number>();
  for (const map of [PREFIX, EXACT, PHRASES, SUBSTRINGS]) {
    for (const info of map.values()) {
      info.voters = [];
      for (const l of info.languages) {
        if (l === "und") continue;
        let id = ids.get(l);
        if (id === undefined) {
          id = VOTE_LANGUAGES.length;
          VOTE_LANGUAGES.push(l);
          ids.set(l, id);
        }
        info.voters.push(id);
      }
    }
  }
}
const VOTE_SUMS = new Float64Array(VOTE_LANGUAGES.length);
const VOTED = new Int32Array(VOTE_LANGUAGES.length);

// Whole-token stems and phrases starting with the token, behind one look-up per token.
const BY_TOKEN = new Map<string, { exact?: TStemInfo; phrases?: { rest: string[]; info: TStemInfo }[] }>();
for (const [token, info] of EXACT) BY_TOKEN.set(token, { exact: info });
for (const [first, phrases] of PHRASES_BY_FIRST) {
  const entry = BY_TOKEN.get(first);
  if (entry) entry.phrases = phrases;
  else BY_TOKEN.set(first, { phrases });
}

/** SPACED_SCRIPT.test, answered without the regular expression when the text is plain ASCII. */
function isSpacedScript(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const plain =
      (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x20 || (c >= 0x41 && c <= 0x5a);
    if (!plain) return SPACED_SCRIPT.test(text);
  }
  return text.length > 0;
}

// Prefix stems as a trie over UTF-16 code units (node 0 the root). Its edges live in an open-addressing
// hash table in one typed array: (parent node, code unit) → child node.
const trieEdges: [number, number][] = [];
const TRIE_INFO: (TStemInfo | undefined)[] = [undefined];
{
  const children = new Map<string, number>();
  for (const [stem, info] of PREFIX) {
    let node = 0;
    for (let i = 0; i < stem.length; i++) {
      const key = `${node}:${stem.charCodeAt(i)}`;
      let child = children.get(key);
      if (child === undefined) {
        child = TRIE_INFO.length;
        TRIE_INFO.push(undefined);
        children.set(key, child);
        trieEdges.push([node, stem.charCodeAt(i)]);
      }
      node = child;
    }
    TRIE_INFO[node] = info;
  }
}
// Each slot holds (parent << 16 | code unit, child) side by side, so a probe reads one cache line.
if (TRIE_INFO.length >= 0xffff) throw new Error("concept lexicon: too many prefix-trie nodes");
const EMPTY_EDGE = 0xffffffff;
const EDGE_BITS = Math.max(4, Math.ceil(Math.log2(trieEdges.length * 1.5 + 1)));
const EDGE_MASK = (1 << EDGE_BITS) - 1;
const EDGES = new Uint32Array(2 << EDGE_BITS).fill(EMPTY_EDGE);

function edgeSlot(key: number): number {
  return Math.imul(key, 0x9e3779b1) >>> (32 - EDGE_BITS);
}

trieEdges.forEach(([parent, code], i) => {
  const key = ((parent << 16) | code) >>> 0;
  let slot = edgeSlot(key);
  while (EDGES[2 * slot] !== EMPTY_EDGE) slot = (slot + 1) & EDGE_MASK;
  EDGES[2 * slot] = key;
  EDGES[2 * slot + 1] = i + 1;
});

/** The child of `parent` along code unit `code`, or -1. */
function trieChild(parent: number, code: number): number {
  const key = ((parent << 16) | code) >>> 0;
  let slot = edgeSlot(key);
  for (;;) {
    const k = EDGES[2 * slot] as number;
    if (k === key) return EDGES[2 * slot + 1] as number;
    if (k === EMPTY_EDGE) return -1;
    slot = (slot + 1) & EDGE_MASK;
  }
}

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

/**
 * The longest prefix stem of a token. Only tokens whose first three letters begin some stem of three or
 * more letters are looked at; a token shorter than that matches only a stem equal to it.
 */
function prefixInfo(token: string): TStemInfo | undefined {
  const len = token.length;
  if (len < minPrefix) return undefined;
  if (len < 3) return PREFIX.get(token);
  let node = 0;
  let best: TStemInfo | undefined;
  for (let i = 0; i < len; i++) {
    const child = trieChild(node, token.charCodeAt(i));
    if (child < 0) {
      if (i < 3) return undefined;
      break;
    }
    node = child;
    best = TRIE_INFO[node] ?? best;
  }
  return best;
}

function tokenStarts(tokens: readonly string[]): number[] {
  const starts: number[] = [];
  let offset = 0;
  for (const token of tokens) {
    starts.push(offset);
    offset += token.length + 1;
  }
  return starts;
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
  let offset = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? "";
    const entry = BY_TOKEN.get(token);
    if (entry?.exact) hits.push([offset, i, entry.exact]);
    const prefix = prefixInfo(token);
    if (prefix) hits.push([offset, i, prefix]);
    if (entry?.phrases)
      for (const p of entry.phrases) if (phraseMatches(tokens, i, p.rest)) hits.push([offset, i, p.info]);
    offset += token.length + 1;
  }
  // Token hits arrive in text order; only substring hits need sorting in among them.
  if (!isSpacedScript(text)) {
    let starts: number[] | undefined;
    const tokenHits = hits.length;
    for (const [test, re] of SUBSTRING_RES) {
      if (!test.test(text)) continue;
      for (const m of text.matchAll(re)) {
        const info = SUBSTRINGS.get(m[0]);
        if (!info) continue;
        starts ??= tokenStarts(tokens);
        hits.push([m.index ?? 0, tokenAt(starts, m.index ?? 0), info]);
      }
    }
    if (hits.length > tokenHits) hits.sort((a, b) => a[0] - b[0]);
  }
  const sequence: TConcept[] = [];
  const present = new Set<TConcept>();
  const positions = new Map<TConcept, number[]>();
  // Each matched stem splits one vote between its languages; the map lists them in order of first vote.
  let voted = 0;
  for (const [, index, info] of hits) {
    for (const c of info.concepts) {
      if (sequence[sequence.length - 1] !== c) sequence.push(c);
      present.add(c);
      const list = positions.get(c);
      if (list) list.push(index);
      else positions.set(c, [index]);
    }
    const share = 1 / info.languages.length;
    for (const id of info.voters) {
      if (VOTE_SUMS[id] === 0) VOTED[voted++] = id;
      VOTE_SUMS[id] = (VOTE_SUMS[id] as number) + share;
    }
  }
  const languageVotes = new Map<string, number>();
  for (let k = 0; k < voted; k++) {
    const id = VOTED[k] as number;
    languageVotes.set(VOTE_LANGUAGES[id] as string, VOTE_SUMS[id] as number);
    VOTE_SUMS[id] = 0;
  }
  return { sequence, present, positions, languageVotes, tokenCount: tokens.length };
}
