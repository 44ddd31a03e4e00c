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
const OPEN = 0x3c; // "<"
const CLOSE = 0x3e; // ">"

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

function grow(a: Int32Array, min: number): Int32Array {
  let size = a.length * 2;
  while (size < min) size *= 2;
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/**
 * The features of one message as int32 hashes (the bits of {@link TFeatures.hashes}), in the same three
 * groups, in a buffer that is reused from message to message instead of allocated per call. Each `fill`
 * overwrites the previous message's features: read them before the next one.
 */
export class FeatureBuffer {
  hashes: Int32Array = new Int32Array(512);
  count = 0;
  langCount = 0;
  ngramCount = 0;
  /** The second group while the first is still being written. */
  private rest: Int32Array = new Int32Array(512);
  private restCount = 0;
  /** Code units of `<token>` for the character n-grams. */
  private readonly units = new Int32Array(MAX_TOKEN_CHARS + 2);
  /** Concept hits as (token position, concept) for the ordered-pair features. */
  private hitScratch = new Int32Array(64);

  private push(h: number): void {
    if (this.count === this.hashes.length) this.hashes = grow(this.hashes, this.count + 1);
    this.hashes[this.count++] = h;
  }

  private pushRest(h: number): void {
    if (this.restCount === this.rest.length) this.rest = grow(this.rest, this.restCount + 1);
    this.rest[this.restCount++] = h;
  }

  /** Character 3-grams go to the first group (they also feed the language head), the others to the second. */
  private charNgrams(token: string): void {
    const len = Math.min(token.length, MAX_TOKEN_CHARS);
    const u = this.units;
    u[0] = OPEN;
    for (let i = 0; i < len; i++) u[i + 1] = token.charCodeAt(i);
    u[len + 1] = CLOSE;
    const size = len + 2;
    // At most one 3-gram and four other n-grams start at each position.
    if (this.hashes.length < this.count + size) this.hashes = grow(this.hashes, this.count + size);
    if (this.rest.length < this.restCount + 4 * size) this.rest = grow(this.rest, this.restCount + 4 * size);
    const tri = this.hashes;
    const rest = this.rest;
    let t = this.count;
    let r = this.restCount;
    if (isIdeographic(token.charCodeAt(0))) {
      // 1-grams too, except the boundary marks.
      for (let i = 0; i < size; i++) {
        const first = u[i] as number;
        let h = CHAR_START;
        const top = Math.min(5, size - i);
        for (let n = 1; n <= top; n++) {
          h = Math.imul(h ^ (u[i + n - 1] as number), FNV_PRIME);
          if (n === 1 && (first === OPEN || first === CLOSE)) continue;
          if (n === 3) tri[t++] = h;
          else rest[r++] = h;
        }
      }
    } else {
      for (let i = 0; i + 1 < size; i++) {
        let h = Math.imul(CHAR_START ^ (u[i] as number), FNV_PRIME);
        h = Math.imul(h ^ (u[i + 1] as number), FNV_PRIME);
        rest[r++] = h;
        if (i + 2 >= size) continue;
        h = Math.imul(h ^ (u[i + 2] as number), FNV_PRIME);
        tri[t++] = h;
        if (i + 3 >= size) continue;
        h = Math.imul(h ^ (u[i + 3] as number), FNV_PRIME);
        rest[r++] = h;
        if (i + 4 >= size) continue;
        h = Math.imul(h ^ (u[i + 4] as number), FNV_PRIME);
        rest[r++] = h;
      }
    }
    this.count = t;
    this.restCount = r;
  }

  /** Fills the buffer with the features of `tokens` (see {@link extractFeatures}). */
  fill(tokens: readonly string[], concepts?: TConceptMatch, cue?: boolean): this {
    this.count = 0;
    this.restCount = 0;
    const n = Math.min(tokens.length, MAX_TOKENS);
    // Hash of the previous word under the bigram seed; a bigram continues it with the current word.
    let prev = BOS_BIGRAM;
    for (let i = 0; i < n; i++) {
      const tok = tokens[i] ?? "";
      if (isDigits(tok)) {
        this.push(ZERO_WORD);
        this.pushRest(Math.imul(prev ^ SEED_BIGRAM ^ 0x30, FNV_PRIME));
        prev = ZERO_BIGRAM;
        continue;
      }
      let hw = WORD_START;
      let hb = prev ^ SEED_BIGRAM;
      let hp = BIGRAM_START;
      for (let k = 0; k < tok.length; k++) {
        const c = tok.charCodeAt(k);
        hw = Math.imul(hw ^ c, FNV_PRIME);
        hb = Math.imul(hb ^ c, FNV_PRIME);
        hp = Math.imul(hp ^ c, FNV_PRIME);
      }
      this.push(hw);
      this.pushRest(hb);
      this.charNgrams(tok);
      prev = hp;
    }
    if (n > 0) this.pushRest(Math.imul(prev ^ SEED_BIGRAM ^ EOS.charCodeAt(0), FNV_PRIME));
    this.pushRest(lengthBucketHash(tokens.length));
    this.langCount = this.count;
    const total = this.count + this.restCount;
    if (this.hashes.length < total) this.hashes = grow(this.hashes, total);
    const hashes = this.hashes;
    const rest = this.rest;
    for (let i = 0; i < this.restCount; i++) hashes[this.count + i] = rest[i] as number;
    this.count = total;
    this.ngramCount = total;
    if (concepts) this.conceptFeatures(concepts, cue ?? hasOptOutCue(concepts));
    return this;
  }

  private conceptFeatures(m: TConceptMatch, cue: boolean): void {
    const present = PRESENT_SCRATCH;
    let np = 0;
    for (const c of m.present) present[np++] = conceptIndex(c);
    sortInts(present, np);
    for (let i = 0; i < np; i++) this.push(SINGLE_HASH[present[i] as number] as number);
    for (let i = 0; i < np; i++) {
      const row = (present[i] as number) * SLOTS;
      for (let j = i + 1; j < np; j++) this.push(PAIR_HASH[row + (present[j] as number)] as number);
    }
    let prev = START_SLOT;
    for (const c of m.sequence) {
      const ci = conceptIndex(c);
      this.push(SEQ_HASH[prev * SLOTS + ci] as number);
      prev = ci;
    }
    this.push(SEQ_HASH[prev * SLOTS + END_SLOT] as number);
    this.push(cue ? CUE_HASH : NO_CUE_HASH);
    // Ordered pairs within three tokens ("N<C": a negation just before a contact word) carry the
    // structure that distinguishes "no ads" from "ads? no idea" in any language.
    let nh = 0;
    for (const list of m.positions.values()) nh += list.length;
    if (nh < 2) return;
    if (this.hitScratch.length < nh)
      this.hitScratch = new Int32Array(Math.max(nh, this.hitScratch.length * 2));
    const hits = this.hitScratch;
    let k = 0;
    // A hit is (token position, concept) packed so that numeric order is position, then concept letter.
    for (const [c, list] of m.positions) {
      const ci = conceptIndex(c);
      for (const p of list) hits[k++] = p * SLOTS + ci;
    }
    sortInts(hits, nh);
    for (let i = 0; i < nh; i++) {
      const hi = hits[i] as number;
      const pi = Math.floor(hi / SLOTS);
      const ci = hi - pi * SLOTS;
      for (let j = i + 1; j < nh; j++) {
        const hj = hits[j] as number;
        const pj = Math.floor(hj / SLOTS);
        if (pj - pi > 3) break;
        const cj = hj - pj * SLOTS;
        if (ci !== cj) this.push(ORDER_HASH[ci * SLOTS + cj] as number);
      }
    }
  }
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function sortInts(a: Int32Array, n: number): void {
  if (n > 32) {
    a.subarray(0, n).sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const v = a[i] as number;
    let j = i - 1;
    while (j >= 0 && (a[j] as number) > v) {
      a[j + 1] = a[j] as number;
      j--;
    }
    a[j + 1] = v;
  }
}

// Start states of the running hashes (int32; `hashString` returns the same bits unsigned).
const WORD_START = (FNV_OFFSET ^ SEED_WORD) | 0;
const BIGRAM_START = (FNV_OFFSET ^ SEED_BIGRAM) | 0;
const CHAR_START = (FNV_OFFSET ^ SEED_CHAR) | 0;
const BOS_BIGRAM = hashString(SEED_BIGRAM, BOS) | 0;
const ZERO_WORD = hashString(SEED_WORD, "0") | 0;
const ZERO_BIGRAM = hashString(SEED_BIGRAM, "0") | 0;

function lengthBucket(n: number): string {
  if (n <= 3) return String(n);
  if (n <= 6) return "4-6";
  if (n <= 12) return "7-12";
  if (n <= 25) return "13-25";
  return "26+";
}
const LENGTH_HASHES = Array.from({ length: 27 }, (_, n) => hashString(SEED_LEN, lengthBucket(n)) | 0);
function lengthBucketHash(n: number): number {
  return LENGTH_HASHES[Math.min(n, 26)] as number;
}

// Concept feature hashes, precomputed. Concepts are single capital letters; slot = letter - "A", with two
// more slots for the start ("^") and end ("$") of the reading-order sequence.
const SLOTS = 28;
const START_SLOT = 26;
const END_SLOT = 27;
const PRESENT_SCRATCH = new Int32Array(SLOTS);
function conceptIndex(c: string): number {
  return c.charCodeAt(0) - 65;
}
function slotName(slot: number): string {
  return slot === START_SLOT ? "^" : slot === END_SLOT ? "$" : String.fromCharCode(65 + slot);
}
function table(name: (a: string, b: string) => string): Int32Array {
  const t = new Int32Array(SLOTS * SLOTS);
  for (let a = 0; a < SLOTS; a++)
    for (let b = 0; b < SLOTS; b++)
      t[a * SLOTS + b] = hashString(SEED_CONCEPT, name(slotName(a), slotName(b)));
  return t;
}
const SINGLE_HASH = Int32Array.from({ length: SLOTS }, (_, a) => hashString(SEED_CONCEPT, slotName(a)));
const PAIR_HASH = table((a, b) => `${a}+${b}`);
const SEQ_HASH = table((a, b) => `${a}>${b}`);
const ORDER_HASH = table((a, b) => `${a}<${b}`);
const CUE_HASH = hashString(SEED_CONCEPT, "cue") | 0;
const NO_CUE_HASH = hashString(SEED_CONCEPT, "no-cue") | 0;

/**
 * Hashed features of normalised tokens, fastText style: word unigrams, word bigrams with sentence
 * boundaries, character 2–5-grams of each word with boundary marks (1-grams too for CJK and Thai),
 * a length bucket, and language-independent concept features (each concept, concepts in reading order,
 * pairs of concepts) that let what is learnt in one language carry over to the others.
 * Returns unsigned 32-bit hashes; callers reduce them to their bucket count.
 */
export function extractFeatures(tokens: readonly string[], concepts?: TConceptMatch): TFeatures {
  const buf = new FeatureBuffer().fill(tokens, concepts);
  const hashes: number[] = new Array(buf.count);
  for (let i = 0; i < buf.count; i++) hashes[i] = (buf.hashes[i] as number) >>> 0;
  return { hashes, langCount: buf.langCount, ngramCount: buf.ngramCount };
}
