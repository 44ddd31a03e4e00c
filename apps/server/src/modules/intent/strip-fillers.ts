import { FILLER_WORDS } from "./filler-words.js";
import { normalizeText } from "./normalize-text.js";

const FILLERS: readonly string[][] = FILLER_WORDS.map((f) => normalizeText(f).tokens).sort(
  (a, b) => b.length - a.length,
);
const FILLER_FIRST = new Set(FILLERS.map((f) => f[0] ?? ""));
const FILLER_LAST = new Set(FILLERS.map((f) => f[f.length - 1] ?? ""));

function startsWithSeq(tokens: readonly string[], at: number, seq: readonly string[]): boolean {
  if (at + seq.length > tokens.length) return false;
  for (let i = 0; i < seq.length; i++) if (tokens[at + i] !== seq[i]) return false;
  return true;
}

/** Drops courtesy words at both ends and immediate repetitions ("stop stop stop"). */
export function stripFillers(tokens: readonly string[]): string[] {
  let start = 0;
  let end = tokens.length;
  let changed = true;
  while (changed && start < end) {
    changed = false;
    if (!FILLER_FIRST.has(tokens[start] ?? "") && !FILLER_LAST.has(tokens[end - 1] ?? "")) break;
    for (const f of FILLERS) {
      if (start + f.length <= end && startsWithSeq(tokens, start, f)) {
        start += f.length;
        changed = true;
        break;
      }
      if (end - f.length >= start && startsWithSeq(tokens, end - f.length, f)) {
        end -= f.length;
        changed = true;
        break;
      }
    }
  }
  const core = tokens.slice(start, end);
  const out: string[] = [];
  for (const t of core) if (out[out.length - 1] !== t) out.push(t);
  return out;
}
