import { FILLER_WORDS } from "./filler-words.js";
import { normalizeText } from "./normalize-text.js";

const FILLERS: readonly string[][] = FILLER_WORDS.map((f) => normalizeText(f).tokens).sort(
  (a, b) => b.length - a.length,
);
// Candidate fillers by their first and by their last token, each list in FILLERS order (longest first).
const BY_FIRST = new Map<string, number[]>();
const BY_LAST = new Map<string, number[]>();
FILLERS.forEach((f, i) => {
  for (const [map, key] of [
    [BY_FIRST, f[0] ?? ""],
    [BY_LAST, f[f.length - 1] ?? ""],
  ] as const) {
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  }
});

function startsWithSeq(tokens: readonly string[], at: number, seq: readonly string[]): boolean {
  if (at + seq.length > tokens.length) return false;
  for (let i = 0; i < seq.length; i++) if (tokens[at + i] !== seq[i]) return false;
  return true;
}

/** Index in FILLERS of the first filler at `start` (from the front) or ending at `end`, or -1. */
function firstMatch(
  tokens: readonly string[],
  start: number,
  end: number,
  candidates: readonly number[] | undefined,
  atEnd: boolean,
): number {
  if (!candidates) return -1;
  for (const i of candidates) {
    const f = FILLERS[i] ?? [];
    if (
      atEnd
        ? end - f.length >= start && startsWithSeq(tokens, end - f.length, f)
        : start + f.length <= end && startsWithSeq(tokens, start, f)
    )
      return i;
  }
  return -1;
}

/** Drops courtesy words at both ends and immediate repetitions ("stop stop stop"). */
export function stripFillers(tokens: readonly string[]): string[] {
  let start = 0;
  let end = tokens.length;
  // Each round removes the filler that comes first in FILLERS among those at either end (the front one
  // when the same filler is at both ends).
  while (start < end) {
    const front = firstMatch(tokens, start, end, BY_FIRST.get(tokens[start] ?? ""), false);
    const back = firstMatch(tokens, start, end, BY_LAST.get(tokens[end - 1] ?? ""), true);
    if (front < 0 && back < 0) break;
    if (front >= 0 && (back < 0 || front <= back)) start += (FILLERS[front] ?? []).length;
    else end -= (FILLERS[back] ?? []).length;
  }
  const out: string[] = [];
  for (let i = start; i < end; i++) {
    const t = tokens[i] as string;
    if (out[out.length - 1] !== t) out.push(t);
  }
  return out;
}
