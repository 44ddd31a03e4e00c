import type { FeatureBuffer, TFeatures } from "./extract-features.js";
import type { TIntentModel } from "./intent-model.types.js";
import { linearHead } from "./linear-head.js";

/** Intent-head probabilities (in `MODEL_INTENTS` order). */
export function predictIntent(
  model: TIntentModel,
  f: TFeatures | FeatureBuffer,
  out?: Float64Array,
): Float64Array {
  return linearHead(
    f.hashes,
    "count" in f ? f.count : f.hashes.length,
    f.ngramCount,
    model.intentWeights,
    model.intentBias,
    model.intentScale,
    model.intentBuckets,
    0,
    out,
  );
}
