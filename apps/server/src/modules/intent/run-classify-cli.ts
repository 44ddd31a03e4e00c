import { createInterface } from "node:readline";
import { z } from "zod";
import { classify } from "./classify.js";

const ZCliLine = z.looseObject({ text: z.string() });

function write(output: NodeJS.WritableStream, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = output.write(`${line}\n`, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else output.once("drain", () => resolve());
  });
}

/**
 * Batch classification over JSON lines: each input line `{"text": "..."}` (other fields ignored) yields
 * one output line, in order, with intent, confidence, language, uncertain and evidence. A line that is
 * not valid JSON or lacks a string `text` yields `{"error": "..."}`; the stream never aborts on bad input.
 */
export async function runClassifyCli(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<void> {
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  for await (const raw of rl) {
    lineNo++;
    let out: string;
    try {
      const parsed = ZCliLine.safeParse(JSON.parse(raw));
      if (parsed.success) {
        const r = classify(parsed.data.text);
        out = JSON.stringify({
          intent: r.intent,
          confidence: r.confidence,
          language: r.language,
          uncertain: r.uncertain,
          evidence: r.evidence,
        });
      } else {
        out = JSON.stringify({ error: `line ${lineNo}: expected an object with a string "text"` });
      }
    } catch {
      out = JSON.stringify({ error: `line ${lineNo}: not valid JSON` });
    }
    await write(output, out);
  }
}
