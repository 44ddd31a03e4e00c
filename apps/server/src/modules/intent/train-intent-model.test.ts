import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeIntentModel } from "./decode-intent-model.js";
import { encodeIntentModel } from "./encode-intent-model.js";
import { INTENT_MODEL_URL } from "./load-intent-model.js";
import { parseCorpus } from "./parse-corpus.js";
import { trainIntentModel } from "./train-intent-model.js";

const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const corpusText = readFileSync(new URL("./data/train.jsonl", import.meta.url), "utf8");
const corpus = parseCorpus(corpusText);
const meta = JSON.parse(readFileSync(new URL("./model/intent-model.meta.json", import.meta.url), "utf8")) as {
  sha256: string;
  corpusSha256: string;
  bytes: number;
};

describe("trainIntentModel", () => {
  it("is deterministic: the same corpus gives byte-identical weights", () => {
    const subset = corpus.filter((_, i) => i % 12 === 0);
    const a = encodeIntentModel(trainIntentModel(subset, { epochs: 3 }));
    const b = encodeIntentModel(trainIntentModel(subset, { epochs: 3 }));
    expect(sha256(a)).toBe(sha256(b));
    const c = encodeIntentModel(trainIntentModel(subset, { epochs: 3, seed: 7 }));
    expect(sha256(c)).not.toBe(sha256(a));
  });

  it("round-trips through the binary format", () => {
    const model = trainIntentModel(
      corpus.filter((_, i) => i % 20 === 0),
      { epochs: 2 },
    );
    const bytes = encodeIntentModel(model);
    const back = decodeIntentModel(bytes);
    expect(back.languages).toEqual(model.languages);
    expect(
      Buffer.compare(Buffer.from(back.intentWeights.buffer), Buffer.from(model.intentWeights.buffer)),
    ).toBe(0);
    expect(Buffer.compare(Buffer.from(back.langWeights.buffer), Buffer.from(model.langWeights.buffer))).toBe(
      0,
    );
    expect(back.intentScale).toBe(model.intentScale);
    expect(sha256(encodeIntentModel(back))).toBe(sha256(bytes));
  });

  it("ships the weights the training script wrote for the committed corpus", () => {
    const shipped = readFileSync(INTENT_MODEL_URL);
    expect(sha256(shipped)).toBe(meta.sha256);
    expect(shipped.length).toBe(meta.bytes);
    // A corpus edit without retraining (npx tsx scripts/train-intent.ts) fails here.
    expect(sha256(corpusText)).toBe(meta.corpusSha256);
    expect(shipped.length).toBeLessThan(4 * 1024 * 1024);
  });

  it("rejects a corrupt model file", () => {
    expect(() => decodeIntentModel(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow();
  });
});
