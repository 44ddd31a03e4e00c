import { CONCEPT_WEIGHT } from "./extract-features.js";

function softmaxInPlace(v: Float64Array): void {
  let max = -Infinity;
  for (const x of v) max = Math.max(max, x);
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const e = Math.exp((v[i] ?? 0) - max);
    v[i] = e;
    sum += e;
  }
  for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / sum;
}

/** Softmax over a hashed linear layer: int8 rows summed per feature, scaled, biased. */
export function linearHead(
  feats: readonly number[],
  count: number,
  ngramCount: number,
  weights: Int8Array,
  bias: Float32Array,
  scale: number,
  buckets: number,
  shift: number,
): Float64Array {
  const classes = bias.length;
  const acc = new Int32Array(classes);
  const mask = buckets - 1;
  const plain = Math.min(ngramCount, count);
  for (let i = 0; i < plain; i++) {
    const row = (((feats[i] ?? 0) >>> shift) & mask) * classes;
    for (let c = 0; c < classes; c++) acc[c] = (acc[c] ?? 0) + (weights[row + c] ?? 0);
  }
  for (let i = plain; i < count; i++) {
    const row = (((feats[i] ?? 0) >>> shift) & mask) * classes;
    for (let c = 0; c < classes; c++) acc[c] = (acc[c] ?? 0) + CONCEPT_WEIGHT * (weights[row + c] ?? 0);
  }
  const out = new Float64Array(classes);
  const effective = ngramCount + CONCEPT_WEIGHT * (count - ngramCount);
  const k = effective > 0 ? scale / Math.sqrt(effective) : 0;
  for (let c = 0; c < classes; c++) out[c] = (acc[c] ?? 0) * k + (bias[c] ?? 0);
  softmaxInPlace(out);
  return out;
}
