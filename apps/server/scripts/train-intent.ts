/**
 * Trains the intent model from src/modules/intent/data/train.jsonl and writes
 * src/modules/intent/model/intent-model.bin plus its metadata (sha256 of weights and corpus).
 *
 *   npx tsx scripts/train-intent.ts          # train and write
 *   npx tsx scripts/train-intent.ts --check  # retrain and fail if the shipped weights differ
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { encodeIntentModel } from "../src/modules/intent/encode-intent-model.js";
import { parseCorpus } from "../src/modules/intent/parse-corpus.js";
import { trainIntentModel } from "../src/modules/intent/train-intent-model.js";

const moduleDir = new URL("../src/modules/intent/", import.meta.url);
const corpusUrl = new URL("data/train.jsonl", moduleDir);
const modelUrl = new URL("model/intent-model.bin", moduleDir);
const metaUrl = new URL("model/intent-model.meta.json", moduleDir);

const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

const corpusText = readFileSync(corpusUrl, "utf8");
const examples = parseCorpus(corpusText);
const started = performance.now();
const model = trainIntentModel(examples);
const bytes = encodeIntentModel(model);
const seconds = ((performance.now() - started) / 1000).toFixed(1);

if (process.argv.includes("--check")) {
  const shipped = readFileSync(modelUrl);
  if (sha256(shipped) !== sha256(bytes)) {
    console.error(`intent model is stale: retrain with npx tsx scripts/train-intent.ts`);
    process.exit(1);
  }
  console.log(`intent model matches the corpus (${bytes.length} bytes, sha256 ${sha256(bytes)})`);
} else {
  writeFileSync(modelUrl, bytes);
  const meta = {
    format: "AIM1",
    bytes: bytes.length,
    sha256: sha256(bytes),
    corpusSha256: sha256(corpusText),
    examples: examples.length,
    languages: model.languages,
  };
  writeFileSync(metaUrl, `${JSON.stringify(meta, null, 2)}\n`);
  console.log(
    `trained on ${examples.length} examples in ${seconds}s → ${bytes.length} bytes, sha256 ${meta.sha256}`,
  );
}
