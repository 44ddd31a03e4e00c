import { LEET_VOCABULARY } from "./leet-vocabulary.js";
import { toSkeleton } from "./to-skeleton.js";

/** Longest input (in UTF-16 units) that is looked at; replies that matter are short. */
export const MAX_INPUT_CHARS = 1000;

/** A message reduced to comparable tokens. */
export interface TNormalizedText {
  /** Folded tokens joined by single spaces. */
  text: string;
  tokens: string[];
  /** Tokens joined without separators, for whole-message keyword tests. */
  compact: string;
  /** `compact` with Cyrillic/Greek look-alikes mapped to Latin ("ЅТОР" → "stop"). */
  skeleton: string;
  /** A stop emoji (🛑 ✋ 🚫 ⛔ 📵 🔕) was present. */
  stopEmoji: boolean;
}

const STOP_EMOJI = /[\u{1F6D1}\u{1F6AB}\u{26D4}\u{1F4F5}\u{1F515}\u{270B}\u{1F91A}\u{1F645}]/gu;
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

const LATIN_RE = /[a-z]/;
const NON_LATIN_CONFUSABLE_RE = /[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f]/;

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

function fixMixedScript(token: string): string {
  if (LATIN_RE.test(token) && NON_LATIN_CONFUSABLE_RE.test(token)) return toSkeleton(token);
  return token;
}

/**
 * Folds a message for matching: NFKC, case folding (Turkish İ/ı, ß), accent stripping, look-alike letters
 * inside Latin words, validated leetspeak, squeezed letter runs, stop emoji as the word "stop",
 * punctuation removed. Pure and fast; input beyond {@link MAX_INPUT_CHARS} is ignored.
 */
export function normalizeText(raw: string): TNormalizedText {
  let s = raw.length > MAX_INPUT_CHARS ? raw.slice(0, MAX_INPUT_CHARS) : raw;
  const ascii = !NON_ASCII_RE.test(s);
  if (!ascii) s = s.normalize("NFKC");
  let stopEmoji = false;
  if (!ascii) {
    s = s.replace(STOP_EMOJI, () => {
      stopEmoji = true;
      return " stop ";
    });
  }
  s = s.toLowerCase();
  if (!ascii) {
    s = s.replace(LETTER_MAP_RE, foldChar);
    s = s.normalize("NFD").replace(STRIPPABLE_MARKS, "").normalize("NFC");
  }
  if (APOSTROPHE_RE.test(s)) {
    // French/Italian/Catalan elision splits ("m'envoyez" → "m envoyez"); English contractions join ("don't").
    s = s
      .replace(/(^|[^\p{L}])(\p{L}|qu)['’ʼ`](?=\p{L})/gu, "$1$2 ")
      .replace(/(\p{L})['’ʼ`](?=\p{L})/gu, "$1");
  }
  if (LEET_CHAR_RE.test(s)) s = s.replace(/\S*[0-9@$!|]\S*/g, deLeetChunk);
  s = squeezeRuns(s);
  const tokens: string[] = [];
  if (ascii) {
    for (const m of s.matchAll(/[a-z0-9]+/g)) tokens.push(m[0]);
  } else {
    for (const m of s.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) tokens.push(fixMixedScript(m[0]));
  }
  const text = tokens.join(" ");
  const compact = tokens.join("");
  return { text, tokens, compact, skeleton: ascii ? compact : toSkeleton(compact), stopEmoji };
}
