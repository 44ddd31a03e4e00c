import type { TCorpusExample } from "./intent-model.types.js";
import { ZCorpusExample } from "./intent-model.types.js";

/** Parses a JSON-lines corpus; throws with the line number on the first invalid line. */
export function parseCorpus(jsonl: string): TCorpusExample[] {
  const out: TCorpusExample[] = [];
  const lines = jsonl.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? "";
    if (line.length === 0) continue;
    const parsed = ZCorpusExample.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`corpus line ${i + 1}: ${parsed.error.message}`);
    out.push(parsed.data);
  }
  return out;
}
