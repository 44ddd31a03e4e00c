import { MODEL_MAGIC } from "./encode-intent-model.js";
import type { TIntentModel } from "./intent-model.types.js";
import { MODEL_INTENTS } from "./intent-model.types.js";

/** Parses the binary produced by `encodeIntentModel`; throws on a malformed file. */
export function decodeIntentModel(data: Uint8Array): TIntentModel {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let o = 0;
  const u32 = () => {
    const v = dv.getUint32(o, true);
    o += 4;
    return v;
  };
  const f32 = () => {
    const v = dv.getFloat32(o, true);
    o += 4;
    return v;
  };
  if (u32() !== MODEL_MAGIC) throw new Error("intent model: bad magic");
  const intentBuckets = u32();
  const nI = u32();
  const langBuckets = u32();
  const nL = u32();
  if (nI !== MODEL_INTENTS.length) throw new Error("intent model: class count mismatch");
  const intentScale = f32();
  const langScale = f32();
  const intentBias = new Float32Array(nI);
  for (let c = 0; c < nI; c++) intentBias[c] = f32();
  const langBias = new Float32Array(nL);
  for (let c = 0; c < nL; c++) langBias[c] = f32();
  const langLen = u32();
  const languages = new TextDecoder().decode(data.subarray(o, o + langLen)).split(",");
  o += langLen;
  const readHead = (buckets: number, classes: number): Int8Array => {
    const weights = new Int8Array(buckets * classes);
    const n = u32();
    const rows = new Uint32Array(n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      prev += u32();
      rows[i] = prev;
    }
    for (let i = 0; i < n; i++) {
      const base = (rows[i] ?? 0) * classes;
      weights.set(new Int8Array(data.buffer, data.byteOffset + o, classes), base);
      o += classes;
    }
    return weights;
  };
  const intentWeights = readHead(intentBuckets, nI);
  const langWeights = readHead(langBuckets, nL);
  if (languages.length !== nL) throw new Error("intent model: language list mismatch");
  return {
    intentBuckets,
    intentScale,
    intentBias,
    intentWeights,
    languages,
    langBuckets,
    langScale,
    langBias,
    langWeights,
  };
}
