import { LEET_VOCABULARY } from "./leet-vocabulary.js";
import { toSkeleton } from "./to-skeleton.js";

/** Longest input (in UTF-16 units) that is looked at; replies that matter are short. */
export const MAX_INPUT_CHARS = 1000;

/** A message reduced to comparable tokens. */
export interface TNormalizedText {
  /** Folded tokens joined by single spaces. */
  readonly text: string;
  readonly tokens: string[];
  /** Tokens joined without separators, for whole-message keyword tests. */
  readonly compact: string;
  /** `compact` with Cyrillic/Greek look-alikes mapped to Latin ("ЅТОР" → "stop"). */
  readonly skeleton: string;
  /** A stop emoji (🛑 ✋ 🚫 ⛔ 📵 🔕) was present. */
  readonly stopEmoji: boolean;
}

/** `compact` and `skeleton` are built on first read: the classifier itself never needs them. */
class NormalizedText implements TNormalizedText {
  constructor(
    readonly text: string,
    readonly tokens: string[],
    readonly stopEmoji: boolean,
    private readonly ascii: boolean,
  ) {}

  get compact(): string {
    return this.tokens.join("");
  }

  get skeleton(): string {
    return this.ascii ? this.compact : toSkeleton(this.compact);
  }
}

const STOP_EMOJI = /[\u{1F6D1}\u{1F6AB}\u{26D4}\u{1F4F5}\u{1F515}\u{270B}\u{1F91A}\u{1F645}]/gu;
const STOP_EMOJI_TEST = new RegExp(STOP_EMOJI.source, "u");
// Marks whose removal keeps the word readable: Latin/Greek/Cyrillic accents, Hebrew points, Arabic harakat.
const STRIPPABLE_MARKS = /[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u064b-\u065f\u0670\u06d6-\u06ed\u0640]/g;
const LETTER_MAP: Readonly<Record<string, string>> = {
  ı: "i",
  ß: "ss",
  ẞ: "ss",
  ł: "l",
  đ: "d",
  ð: "d",
  ø: "o",
  æ: "ae",
  œ: "oe",
  þ: "th",
  ħ: "h",
  ς: "σ",
  أ: "ا",
  إ: "ا",
  آ: "ا",
  ى: "ي",
  ة: "ه",
  "\u00a0": " ",
};
const LETTER_MAP_RE = /[ıßẞłđðøæœþħςأإآىة\u00a0]/g;
const LETTER_MAP_TEST = new RegExp(LETTER_MAP_RE.source);

const LEET: Readonly<Record<string, string>> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "@": "a",
  $: "s",
  "!": "i",
  "|": "l",
};
const LEET_CHUNK_RE = /^[\p{L}0-9@$!|]+$/u;
const LEET_CHAR_RE = /[0-9@$!|]/;
const LEET_ALL_RE = /[0-9@$!|]/g;
const LEET_CORE_RE = /^([^\p{L}0-9@$|]*)(.*?)([.,;:?!"')]*)$/su;
const SQUEEZE_RE = /([^\d\s])\1{2,}/gu;
const TRIPLE_RE = /([^\d\s])\1\1/;
const NON_ASCII_RE = /[\u0080-\uffff]/;
const APOSTROPHE_RE = /['’ʼ`]/;

// Code units that Unicode normalisation leaves alone whatever surrounds them: no decomposition (NFKD
// for `KEEPS_NFKC`, NFD for `KEEPS_NFD`), not a mark and not a conjoining Hangul jamo. Such units have
// combining class 0 and are never the second half of a canonical composition (checked over every code
// point with Node 20's ICU), so they neither reorder nor compose with their neighbours. `KEEPS_NFD` also
// excludes STRIPPABLE_MARKS. A string made only of such units is its own NFKC (resp. its own NFC of NFD
// minus marks), and the normalisation calls are skipped. Filled in on first sight: 0 not yet known,
// 1 keeps, 2 does not.
const KEEPS_NFKC = new Uint8Array(0x10000);
const KEEPS_NFD = new Uint8Array(0x10000);
const MARK_RE = /\p{M}/u;
const STRIPPABLE_TEST = new RegExp(STRIPPABLE_MARKS.source);

function classifyUnit(c: number): void {
  const ch = String.fromCharCode(c);
  const plain = !(c >= 0xd800 && c <= 0xdfff) && !(c >= 0x1100 && c <= 0x11ff) && !MARK_RE.test(ch);
  KEEPS_NFKC[c] = plain && ch.normalize("NFKD") === ch ? 1 : 2;
  KEEPS_NFD[c] = plain && ch.normalize("NFD") === ch && !STRIPPABLE_TEST.test(ch) ? 1 : 2;
}

function keeps(table: Uint8Array, s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (table[c] === 0) classifyUnit(c);
    if (table[c] !== 1) return false;
  }
  return true;
}

function foldChar(ch: string): string {
  return LETTER_MAP[ch] ?? ch;
}

function squeezeRuns(s: string): string {
  // "stoppppp" → "stop"; doubles survive because they carry meaning ("stopp", "alle").
  return TRIPLE_RE.test(s) ? s.replace(SQUEEZE_RE, "$1") : s;
}

function deLeetChunk(chunk: string): string {
  const m = LEET_CORE_RE.exec(chunk);
  if (!/[a-z]/.test(chunk) || !m || m[2] === undefined) return chunk;
  const core = m[2];
  if (!LEET_CHAR_RE.test(core) || !/[a-z\p{L}]/u.test(core) || !LEET_CHUNK_RE.test(core)) return chunk;
  const asI = squeezeRuns(core.replace(LEET_ALL_RE, (c) => LEET[c] ?? c));
  const asL = squeezeRuns(core.replace(LEET_ALL_RE, (c) => (c === "1" ? "l" : (LEET[c] ?? c))));
  const word = LEET_VOCABULARY.has(asI) ? asI : LEET_VOCABULARY.has(asL) ? asL : undefined;
  return word === undefined ? chunk : `${m[1] ?? ""}${word}${m[3] ?? ""}`;
}

// Whether a BMP code unit is a letter, number or mark (a token character), filled in on first sight:
// 0 not yet known, 1 yes, 2 no.
const TOKEN_UNIT = new Uint8Array(0x10000);
const TOKEN_CHAR_RE = /^[\p{L}\p{N}\p{M}]$/u;

function isTokenUnit(c: number): boolean {
  let v = TOKEN_UNIT[c] as number;
  if (v === 0) {
    v = c < 0xd800 || c > 0xdfff ? (TOKEN_CHAR_RE.test(String.fromCharCode(c)) ? 1 : 2) : 2;
    TOKEN_UNIT[c] = v;
  }
  return v === 1;
}

/** Runs of [a-z0-9] (the whole-ASCII case). */
function asciiTokens(s: string): string[] {
  const tokens: string[] = [];
  let start = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      tokens.push(s.slice(start, i));
      start = -1;
    }
  }
  if (start >= 0) tokens.push(start === 0 ? s : s.slice(start));
  return tokens;
}

/**
 * Runs of letters, numbers and marks (code points, as `/[\p{L}\p{N}\p{M}]+/gu` finds them), with
 * look-alike letters inside Latin words mapped to Latin.
 */
function unicodeTokens(s: string): string[] {
  const tokens: string[] = [];
  let start = -1;
  let latin = false;
  let confusable = false;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    let width = 1;
    let inToken: boolean;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        width = 2;
        inToken = TOKEN_CHAR_RE.test(s.slice(i, i + 2));
      } else inToken = false;
    } else inToken = isTokenUnit(c);
    if (inToken) {
      if (start < 0) {
        start = i;
        latin = false;
        confusable = false;
      }
      if (c >= 0x61 && c <= 0x7a) latin = true;
      else if (c >= 0x370 && c <= 0x52f) confusable = true;
    } else if (start >= 0) {
      const token = s.slice(start, i);
      tokens.push(latin && confusable ? toSkeleton(token) : token);
      start = -1;
    }
    i += width;
  }
  if (start >= 0) {
    const token = start === 0 ? s : s.slice(start);
    tokens.push(latin && confusable ? toSkeleton(token) : token);
  }
  return tokens;
}

/**
 * Folds a message for matching: NFKC, case folding (Turkish İ/ı, ß), accent stripping, look-alike letters
 * inside Latin words, validated leetspeak, squeezed letter runs, stop emoji as the word "stop",
 * punctuation removed. Pure and fast; input beyond {@link MAX_INPUT_CHARS} is ignored.
 */
export function normalizeText(raw: string): TNormalizedText {
  let s = raw.length > MAX_INPUT_CHARS ? raw.slice(0, MAX_INPUT_CHARS) : raw;
  const ascii = !NON_ASCII_RE.test(s);
  if (!ascii && !keeps(KEEPS_NFKC, s)) s = s.normalize("NFKC");
  let stopEmoji = false;
  if (!ascii && STOP_EMOJI_TEST.test(s)) {
    stopEmoji = true;
    s = s.replace(STOP_EMOJI, " stop ");
  }
  s = s.toLowerCase();
  if (!ascii) {
    if (LETTER_MAP_TEST.test(s)) s = s.replace(LETTER_MAP_RE, foldChar);
    if (!keeps(KEEPS_NFD, s)) s = s.normalize("NFD").replace(STRIPPABLE_MARKS, "").normalize("NFC");
  }
  if (APOSTROPHE_RE.test(s)) {
    // French/Italian/Catalan elision splits ("m'envoyez" → "m envoyez"); English contractions join ("don't").
    s = s
      .replace(/(^|[^\p{L}])(\p{L}|qu)['’ʼ`](?=\p{L})/gu, "$1$2 ")
      .replace(/(\p{L})['’ʼ`](?=\p{L})/gu, "$1");
  }
  if (LEET_CHAR_RE.test(s)) s = s.replace(/\S*[0-9@$!|]\S*/g, deLeetChunk);
  s = squeezeRuns(s);
  const tokens = ascii ? asciiTokens(s) : unicodeTokens(s);
  return new NormalizedText(tokens.join(" "), tokens, stopEmoji, ascii);
}
