import { CONCEPT_WEIGHT } from "./extract-features.js";

function softmaxInPlace(v: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) max = Math.max(max, v[i] as number);
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const e = Math.exp((v[i] as number) - max);
    v[i] = e;
    sum += e;
  }
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / sum;
}

/**
 * The int8 weights as offset-binary bytes (weight + 128), read four classes at a time: word j of a row
 * is the little-endian uint32 at byte `row × classes + 4j` (rows keep their int8 size, so the table
 * stays as small as the model's). Even and odd bytes are summed in separate words with 16-bit lanes,
 * so up to {@link CHUNK} rows can be added before the lanes are unpacked. Integer sums are exact: the
 * result is the same as adding the int8 weights one by one. Lanes past the last class of a row read
 * the next row and are ignored. Built once per weights array, which must not change afterwards.
 */
interface TPackedHead {
  view: DataView;
  stride: number;
}

/** Rows summed per lane before unpacking: 256 × 255 < 2^16. */
const CHUNK = 256;

const packedHeads = new WeakMap<Int8Array, TPackedHead>();

function packHead(weights: Int8Array, classes: number): TPackedHead {
  let packed = packedHeads.get(weights);
  if (packed) return packed;
  // weight + 128 is the int8 byte with its top bit flipped; flip four bytes at a time.
  const bytes = new Uint8Array(Math.ceil(weights.length / 4) * 4 + 4);
  bytes.set(new Uint8Array(weights.buffer, weights.byteOffset, weights.length));
  const words = new Uint32Array(bytes.buffer);
  for (let i = 0; i < words.length; i++) words[i] = (words[i] as number) ^ 0x80808080;
  packed = { view: new DataView(bytes.buffer), stride: Math.ceil(classes / 4) };
  packedHeads.set(weights, packed);
  return packed;
}

let rowScratch = new Int32Array(1024);
let accScratch = new Int32Array(64);

/** Adds `mult` × the weight rows of `hashes[from, to)` to `acc` (four classes per word). */
function addRows(
  hashes: ArrayLike<number>,
  from: number,
  to: number,
  mult: number,
  head: TPackedHead,
  classes: number,
  mask: number,
  shift: number,
  acc: Int32Array,
): void {
  const n = to - from;
  if (n <= 0) return;
  if (rowScratch.length < n) rowScratch = new Int32Array(Math.max(n, rowScratch.length * 2));
  const rows = rowScratch;
  const { view, stride } = head;
  for (let i = 0; i < n; i++) rows[i] = (((hashes[from + i] as number) >>> shift) & mask) * classes;
  for (let j = 0; j < stride; j++) {
    const c = 4 * j;
    for (let start = 0; start < n; start += CHUNK) {
      const end = Math.min(n, start + CHUNK);
      let even = 0;
      let odd = 0;
      for (let i = start; i < end; i++) {
        const w = view.getUint32((rows[i] as number) + c, true);
        even = (even + (w & 0x00ff00ff)) | 0;
        odd = (odd + ((w >>> 8) & 0x00ff00ff)) | 0;
      }
      const offset = 128 * (end - start);
      acc[c] = (acc[c] as number) + mult * ((even & 0xffff) - offset);
      acc[c + 1] = (acc[c + 1] as number) + mult * ((odd & 0xffff) - offset);
      acc[c + 2] = (acc[c + 2] as number) + mult * ((even >>> 16) - offset);
      acc[c + 3] = (acc[c + 3] as number) + mult * ((odd >>> 16) - offset);
    }
  }
}

/**
 * Softmax over a hashed linear layer: int8 rows summed per feature, scaled, biased. Writes into `out`
 * when given (it must hold one entry per class), else into a new array.
 */
export function linearHead(
  feats: ArrayLike<number>,
  count: number,
  ngramCount: number,
  weights: Int8Array,
  bias: Float32Array,
  scale: number,
  buckets: number,
  shift: number,
  out: Float64Array = new Float64Array(bias.length),
): Float64Array {
  const classes = bias.length;
  const head = packHead(weights, classes);
  const width = 4 * head.stride;
  if (accScratch.length < width) accScratch = new Int32Array(width);
  const acc = accScratch;
  acc.fill(0, 0, width);
  const mask = buckets - 1;
  const plain = Math.min(ngramCount, count);
  addRows(feats, 0, plain, 1, head, classes, mask, shift, acc);
  addRows(feats, plain, count, CONCEPT_WEIGHT, head, classes, mask, shift, acc);
  const effective = ngramCount + CONCEPT_WEIGHT * (count - ngramCount);
  const k = effective > 0 ? scale / Math.sqrt(effective) : 0;
  for (let c = 0; c < classes; c++) out[c] = (acc[c] as number) * k + (bias[c] as number);
  softmaxInPlace(out);
  return out;
}
