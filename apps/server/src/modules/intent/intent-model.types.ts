import { z } from "zod";
import type { TIntent } from "./intent.types.js";
import { ZIntent } from "./intent.types.js";

/** Class order of the intent head; part of the weight file format. */
export const MODEL_INTENTS: readonly TIntent[] = ["opt_out", "opt_out_marketing", "opt_in", "help", "none"];

/** The language head reads feature hashes shifted right by this many bits, decorrelating its buckets. */
export const LANG_HASH_SHIFT = 7;

/** Dequantised-on-the-fly linear model: two heads (intent, language) over shared hashed features. */
export interface TIntentModel {
  intentBuckets: number;
  intentScale: number;
  intentBias: Float32Array;
  /** intentBuckets × MODEL_INTENTS.length, int8, row-major. */
  intentWeights: Int8Array;
  languages: readonly string[];
  langBuckets: number;
  langScale: number;
  langBias: Float32Array;
  /** langBuckets × languages.length, int8, row-major. */
  langWeights: Int8Array;
}

/** One labelled line of the training or evaluation corpus (`data/*.jsonl`). */
export const ZCorpusExample = z.object({
  text: z.string().min(1),
  intent: ZIntent,
  language: z.string().min(2).max(12),
});
export type TCorpusExample = z.infer<typeof ZCorpusExample>;
