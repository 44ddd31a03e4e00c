import type { FeatureBuffer, TFeatures } from "./extract-features.js";
import type { TIntentModel } from "./intent-model.types.js";
import { LANG_HASH_SHIFT } from "./intent-model.types.js";
import { linearHead } from "./linear-head.js";

/** Language-head probabilities (in `model.languages` order), from word unigrams and character 3-grams. */
export function predictLanguage(
  model: TIntentModel,
  f: TFeatures | FeatureBuffer,
  out?: Float64Array,
): Float64Array {
  return linearHead(
    f.hashes,
    f.langCount,
    f.langCount,
    model.langWeights,
    model.langBias,
    model.langScale,
    model.langBuckets,
    LANG_HASH_SHIFT,
    out,
  );
}
