import { readFileSync } from "node:fs";
import { decodeIntentModel } from "./decode-intent-model.js";
import type { TIntentModel } from "./intent-model.types.js";

/** Location of the shipped weights, next to this module. */
export const INTENT_MODEL_URL = new URL("./model/intent-model.bin", import.meta.url);

let cached: TIntentModel | undefined;

/** The shipped model, decoded once on first use (a few milliseconds). */
export function loadIntentModel(): TIntentModel {
  cached ??= decodeIntentModel(readFileSync(INTENT_MODEL_URL));
  return cached;
}
