import type { TIntentModel } from "./intent-model.types.js";
import { MODEL_INTENTS } from "./intent-model.types.js";

/** Magic bytes "AIM1": Assent Intent Model, format 1. */
export const MODEL_MAGIC = 0x314d4941;

function sparseRows(weights: Int8Array, classes: number): number[] {
  const rows: number[] = [];
  for (let r = 0; r * classes < weights.length; r++) {
    for (let c = 0; c < classes; c++) {
      if (weights[r * classes + c] !== 0) {
        rows.push(r);
        break;
      }
    }
  }
  return rows;
}

/**
 * Serialises a model to the compact binary format: header, float32 biases, language list, then for each
 * head the non-zero rows as delta-coded uint32 indices and int8 weights. Little-endian throughout.
 */
export function encodeIntentModel(m: TIntentModel): Uint8Array {
  const nI = MODEL_INTENTS.length;
  const nL = m.languages.length;
  const langs = new TextEncoder().encode(m.languages.join(","));
  const iRows = sparseRows(m.intentWeights, nI);
  const lRows = sparseRows(m.langWeights, nL);
  const size =
    4 * 7 + 4 * (nI + nL) + 4 + langs.length + 4 + iRows.length * (4 + nI) + 4 + lRows.length * (4 + nL);
  const buf = new ArrayBuffer(size);
  const dv = new DataView(buf);
  const bytes = new Uint8Array(buf);
  let o = 0;
  const u32 = (v: number) => {
    dv.setUint32(o, v, true);
    o += 4;
  };
  const f32 = (v: number) => {
    dv.setFloat32(o, v, true);
    o += 4;
  };
  u32(MODEL_MAGIC);
  u32(m.intentBuckets);
  u32(nI);
  u32(m.langBuckets);
  u32(nL);
  f32(m.intentScale);
  f32(m.langScale);
  for (const b of m.intentBias) f32(b);
  for (const b of m.langBias) f32(b);
  u32(langs.length);
  bytes.set(langs, o);
  o += langs.length;
  for (const [rows, weights, classes] of [
    [iRows, m.intentWeights, nI],
    [lRows, m.langWeights, nL],
  ] as const) {
    u32(rows.length);
    let prev = 0;
    for (const r of rows) {
      u32(r - prev);
      prev = r;
    }
    for (const r of rows) {
      for (let c = 0; c < classes; c++) dv.setInt8(o++, weights[r * classes + c] ?? 0);
    }
  }
  return bytes;
}
