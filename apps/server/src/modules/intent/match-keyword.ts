import type { TKeywordIntent } from "./intent.types.js";
import { FUZZY_COLLISIONS, KEYWORD_LEXICON } from "./keyword-lexicon.js";
import { normalizeText } from "./normalize-text.js";
import { stripFillers } from "./strip-fillers.js";
import { toSkeleton } from "./to-skeleton.js";

/** A whole-message keyword hit. */
export interface TKeywordMatch {
  intent: TKeywordIntent;
  /** The lexicon keyword (normalised) that matched. */
  keyword: string;
  languages: readonly string[];
  fuzzy: boolean;
}

interface TCompiledKeyword {
  intent: TKeywordIntent;
  keyword: string;
  languages: readonly string[];
}

const SQUEEZE_DOUBLES = /(\p{L})\1+/gu;
const NON_ASCII = /[\u0080-\uffff]/;
const QWERTY_ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];

function buildAdjacency(): Map<string, Set<string>> {
  const pos = new Map<string, [number, number]>();
  QWERTY_ROWS.forEach((row, r) => {
    for (let c = 0; c < row.length; c++) pos.set(row.charAt(c), [r, c]);
  });
  const adj = new Map<string, Set<string>>();
  for (const [a, [ra, ca]] of pos) {
    const set = new Set<string>();
    for (const [b, [rb, cb]] of pos) {
      if (a !== b && Math.abs(ra - rb) <= 1 && Math.abs(ca - cb) <= 1) set.add(b);
    }
    adj.set(a, set);
  }
  return adj;
}

const ADJACENT = buildAdjacency();
const EXACT = new Map<string, TCompiledKeyword>();
const SQUEEZED = new Map<string, TCompiledKeyword>();
const FUZZY_TARGETS: TCompiledKeyword[] = [];
const ALL_SURFACES = new Set<string>();

for (const [surface, intent, languages] of KEYWORD_LEXICON) {
  const n = normalizeText(surface);
  const entry: TCompiledKeyword = { intent, keyword: n.compact, languages };
  if (!EXACT.has(n.compact)) EXACT.set(n.compact, entry);
  const sq = n.compact.replace(SQUEEZE_DOUBLES, "$1");
  if (!SQUEEZED.has(sq)) SQUEEZED.set(sq, entry);
  ALL_SURFACES.add(n.compact);
  if (n.tokens.length === 1 && /^[a-z]{4,}$/.test(n.compact) && !FUZZY_COLLISIONS.has(n.compact)) {
    FUZZY_TARGETS.push(entry);
  }
}

function withinOneEdit(cand: string, kw: string): boolean {
  const lc = cand.length;
  const lk = kw.length;
  if (Math.abs(lc - lk) > 1 || cand === kw) return false;
  let i = 0;
  while (i < lc && i < lk && cand.charCodeAt(i) === kw.charCodeAt(i)) i++;
  if (lc === lk) {
    if (cand.slice(i + 1) === kw.slice(i + 1)) {
      return ADJACENT.get(kw.charAt(i))?.has(cand.charAt(i)) ?? false;
    }
    return (
      cand.charAt(i) === kw.charAt(i + 1) &&
      cand.charAt(i + 1) === kw.charAt(i) &&
      cand.slice(i + 2) === kw.slice(i + 2)
    );
  }
  // Insertions and deletions must not touch the first letter: "ttop"/"stop" yes, "top" no.
  if (i === 0) return false;
  return lc > lk ? cand.slice(i + 1) === kw.slice(i) : cand.slice(i) === kw.slice(i + 1);
}

// Fuzzy targets a word of each length can be one edit away from (lengths differ by at most one), in
// FUZZY_TARGETS order.
const FUZZY_BY_LENGTH: TCompiledKeyword[][] = [];
for (const k of FUZZY_TARGETS) {
  for (let len = k.keyword.length - 1; len <= k.keyword.length + 1; len++) {
    while (FUZZY_BY_LENGTH.length <= len) FUZZY_BY_LENGTH.push([]);
    FUZZY_BY_LENGTH[len]?.push(k);
  }
}

function fuzzyLookup(word: string): TCompiledKeyword | undefined {
  if (word.length < 4 || !/^[a-z]+$/.test(word) || FUZZY_COLLISIONS.has(word) || ALL_SURFACES.has(word)) {
    return undefined;
  }
  let found: TCompiledKeyword | undefined;
  for (const k of FUZZY_BY_LENGTH[word.length] ?? []) {
    if (!withinOneEdit(word, k.keyword)) continue;
    // Ambiguous between two keywords of different meaning: refuse to guess.
    if (found && found.intent !== k.intent) return undefined;
    found ??= k;
  }
  return found;
}

/** A code unit repeated right after itself (what `/(.)\1/` finds). */
function hasDouble(s: string): boolean {
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === s.charCodeAt(i - 1) && c !== 0x0a && c !== 0x0d && c !== 0x2028 && c !== 0x2029) return true;
  }
  return false;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

/** `s.replace(SQUEEZE_DOUBLES, "$1")`: runs of one letter become that letter. */
function squeezeDoubles(s: string): string {
  let out = "";
  let from = 0;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || s.charCodeAt(i - 1) >= 0x80) return s.replace(SQUEEZE_DOUBLES, "$1");
    if (c === s.charCodeAt(i - 1) && isAsciiLetter(c)) {
      out += s.slice(from, i);
      from = i + 1;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

function lookup(compact: string): TCompiledKeyword | undefined {
  const exact = EXACT.get(compact);
  if (exact || !hasDouble(compact)) return exact;
  return SQUEEZED.get(squeezeDoubles(compact));
}

/** The form itself, then its Latin skeleton if that differs (a repeated look-up would fail again). */
function lookupAny(compact: string): TCompiledKeyword | undefined {
  const hit = lookup(compact);
  if (hit || !NON_ASCII.test(compact)) return hit;
  const skeleton = toSkeleton(compact);
  return skeleton === compact ? undefined : lookup(skeleton);
}

/**
 * Whole-message keyword test across every language at once. Courtesy words around the keyword are
 * ignored; a single word one keystroke away from a keyword of four or more letters also matches,
 * except across the collision list (ALTA/ALTO, "para").
 */
export function matchKeyword(tokens: readonly string[], stopEmoji = false): TKeywordMatch | undefined {
  if (tokens.length === 0) {
    return stopEmoji ? { intent: "opt_out", keyword: "stop", languages: ["und"], fuzzy: false } : undefined;
  }
  if (tokens.length > 8) return undefined;
  const core = stripFillers(tokens);
  const compact = tokens.join("");
  // A core as long as the message is the message itself (nothing was stripped or collapsed).
  const coreCompact = core.length === 0 ? undefined : core.length === tokens.length ? compact : core.join("");
  // Without courtesy words first, then the whole message (the same look-up is not repeated).
  const hit =
    (coreCompact === undefined ? undefined : lookupAny(coreCompact)) ??
    (coreCompact === compact ? undefined : lookupAny(compact));
  if (hit) return { ...hit, fuzzy: false };
  if (core.length === 1 && core[0] !== undefined) {
    const skeleton = toSkeleton(core[0]);
    const hit = fuzzyLookup(core[0]) ?? (skeleton === core[0] ? undefined : fuzzyLookup(skeleton));
    if (hit) return { ...hit, fuzzy: true };
  }
  return undefined;
}
