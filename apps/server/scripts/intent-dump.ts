/**
 * Dumps `classify()` output for every line of the evaluation and training corpora and of the SMS Spam
 * Collection (second column), one JSON line each, so that a performance change can be checked for
 * identical results:
 *
 *   npx tsx apps/server/scripts/intent-dump.ts > /tmp/intent-before.jsonl          (from the repository root)
 *   npx tsx apps/server/scripts/intent-dump.ts --full > /tmp/intent-before-full.jsonl
 *
 * The default dump holds intent, confidence (3 decimals), language, uncertain and evidence.source.
 * `--full` writes the whole result (evidence detail and matched keyword included) and classifies every
 * line a second and third time with a locale hint and with brand keywords.
 */
import { readFileSync } from "node:fs";
import type { TClassifyOptions, TCustomKeyword } from "../src/modules/intent/index.js";
import { classify } from "../src/modules/intent/index.js";
import { EVAL_CORPUS_PATH, SPAM_COLLECTION_PATH } from "./intent-evaluation.js";

const TRAIN_CORPUS_PATH = new URL("../src/modules/intent/data/train.jsonl", import.meta.url);

const full = process.argv.includes("--full");

function corpusTexts(file: string | URL): string[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((l) => String((JSON.parse(l) as { text: unknown }).text));
}

const texts = [
  ...corpusTexts(EVAL_CORPUS_PATH),
  ...corpusTexts(TRAIN_CORPUS_PATH),
  ...readFileSync(SPAM_COLLECTION_PATH, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => l.slice(l.indexOf("\t") + 1)),
];

const CUSTOM: TCustomKeyword[] = [
  { keyword: "STOP ACME", intent: "opt_out" },
  { keyword: "BASTA", intent: "opt_out", language: "it" },
  { keyword: "JOIN", intent: "opt_in", country: "US" },
];

const variants: readonly TClassifyOptions[] = full
  ? [
      {},
      { locale: "es-MX", countryHint: "MX" },
      { locale: "pt-BR", customKeywords: CUSTOM, countryHint: "US" },
    ]
  : [{}];

const out: string[] = [];
for (const options of variants) {
  for (const text of texts) {
    const r = classify(text, options);
    out.push(
      JSON.stringify(
        full
          ? r
          : {
              intent: r.intent,
              confidence: Math.round(r.confidence * 1000) / 1000,
              language: r.language,
              uncertain: r.uncertain,
              source: r.evidence.source,
            },
      ),
    );
  }
}
process.stdout.write(`${out.join("\n")}\n`);
