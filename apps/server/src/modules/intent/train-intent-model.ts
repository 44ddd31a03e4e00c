import { detectConcepts } from "./detect-concepts.js";
import { CONCEPT_WEIGHT, extractFeatures } from "./extract-features.js";
import type { TCorpusExample, TIntentModel } from "./intent-model.types.js";
import { LANG_HASH_SHIFT, MODEL_INTENTS } from "./intent-model.types.js";
import { prepareModelText } from "./prepare-model-text.js";

/** Hyper-parameters of {@link trainIntentModel}; the defaults produce the shipped model. */
export interface TTrainOptions {
  seed?: number;
  epochs?: number;
  learningRate?: number;
  l2?: number;
  intentBits?: number;
  langBits?: number;
}

interface TPrepared {
  feats: number[];
  langCount: number;
  ngramCount: number;
  intent: number;
  lang: number;
  weight: number;
}

/** Mulberry32: small, seedable, identical on every platform. */
function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function typoVariant(tokens: readonly string[], rng: () => number): string[] | undefined {
  const candidates = tokens
    .map((t, i) => (t.length >= 5 && /^[a-z]+$/.test(t) ? i : -1))
    .filter((i) => i >= 0);
  if (candidates.length === 0) return undefined;
  const i = candidates[Math.floor(rng() * candidates.length)] ?? 0;
  const tok = tokens[i] ?? "";
  const p = 1 + Math.floor(rng() * (tok.length - 2));
  const swapped = rng() < 0.5;
  const changed = swapped
    ? tok.slice(0, p) + tok.charAt(p + 1) + tok.charAt(p) + tok.slice(p + 2)
    : tok.slice(0, p) + tok.slice(p + 1);
  const out = tokens.slice();
  out[i] = changed;
  return out;
}

function prepare(
  examples: readonly TCorpusExample[],
  languages: readonly string[],
  rng: () => number,
): TPrepared[] {
  const out: TPrepared[] = [];
  for (const ex of examples) {
    const intent = MODEL_INTENTS.indexOf(ex.intent);
    const lang = languages.indexOf(ex.language);
    const { tokens, text } = prepareModelText(ex.text);
    const weight = ex.intent === "opt_out" || ex.intent === "opt_out_marketing" ? 1.3 : 1;
    const f = extractFeatures(tokens, detectConcepts(tokens, text));
    out.push({ feats: f.hashes, langCount: f.langCount, ngramCount: f.ngramCount, intent, lang, weight });
    const typo = ex.intent !== "none" ? typoVariant(tokens, rng) : undefined;
    if (typo) {
      const t = extractFeatures(typo, detectConcepts(typo, typo.join(" ")));
      out.push({
        feats: t.hashes,
        langCount: t.langCount,
        ngramCount: t.ngramCount,
        intent,
        lang,
        weight: weight * 0.5,
      });
    }
  }
  return out;
}

function trainHead(
  data: readonly TPrepared[],
  pick: (p: TPrepared) => number,
  count: (p: TPrepared) => number,
  plain: (p: TPrepared) => number,
  classes: number,
  bits: number,
  shift: number,
  o: Required<TTrainOptions>,
  rng: () => number,
): { weights: Float64Array; bias: Float64Array } {
  const buckets = 1 << bits;
  const mask = buckets - 1;
  const weights = new Float64Array(buckets * classes);
  const bias = new Float64Array(classes);
  const logits = new Float64Array(classes);
  const order = data.map((_, i) => i);
  const total = o.epochs * data.length;
  let step = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      const t = order[i] ?? 0;
      order[i] = order[j] ?? 0;
      order[j] = t;
    }
    for (const idx of order) {
      const ex = data[idx];
      if (!ex) continue;
      const y = pick(ex);
      const lr = o.learningRate * (1 - step / total);
      step++;
      if (y < 0) continue;
      const used = count(ex);
      const ngrams = plain(ex);
      const n = Math.sqrt(ngrams + CONCEPT_WEIGHT * (used - ngrams));
      logits.set(bias);
      for (let f = 0; f < used; f++) {
        const row = (((ex.feats[f] ?? 0) >>> shift) & mask) * classes;
        const mult = f < ngrams ? 1 : CONCEPT_WEIGHT;
        for (let c = 0; c < classes; c++) logits[c] = (logits[c] ?? 0) + (mult * (weights[row + c] ?? 0)) / n;
      }
      let max = -Infinity;
      for (let c = 0; c < classes; c++) max = Math.max(max, logits[c] ?? 0);
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        logits[c] = Math.exp((logits[c] ?? 0) - max);
        sum += logits[c] ?? 0;
      }
      for (let c = 0; c < classes; c++) logits[c] = ((logits[c] ?? 0) / sum - (c === y ? 1 : 0)) * ex.weight;
      for (let c = 0; c < classes; c++) bias[c] = (bias[c] ?? 0) - lr * (logits[c] ?? 0);
      for (let f = 0; f < used; f++) {
        const row = (((ex.feats[f] ?? 0) >>> shift) & mask) * classes;
        const mult = f < ngrams ? 1 : CONCEPT_WEIGHT;
        for (let c = 0; c < classes; c++) {
          const w = weights[row + c] ?? 0;
          weights[row + c] = w - lr * ((mult * (logits[c] ?? 0)) / n + o.l2 * w);
        }
      }
    }
  }
  return { weights, bias };
}

function quantise(weights: Float64Array): { q: Int8Array; scale: number } {
  let max = 0;
  for (const w of weights) max = Math.max(max, Math.abs(w));
  const scale = Math.fround(max > 0 ? max / 127 : 1);
  const q = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++)
    q[i] = Math.max(-127, Math.min(127, Math.round((weights[i] ?? 0) / scale)));
  return { q, scale };
}

/**
 * Trains the fastText-style hashed linear classifier (softmax, SGD with linear decay, L2) on a labelled
 * corpus: one head for intent, one for language. Deterministic for a given corpus and options.
 */
export function trainIntentModel(
  examples: readonly TCorpusExample[],
  options: TTrainOptions = {},
): TIntentModel {
  const o: Required<TTrainOptions> = {
    seed: options.seed ?? 20250411,
    epochs: options.epochs ?? 15,
    learningRate: options.learningRate ?? 1,
    l2: options.l2 ?? 1e-6,
    intentBits: options.intentBits ?? 16,
    langBits: options.langBits ?? 13,
  };
  const languages = [...new Set(examples.map((e) => e.language))].sort();
  const rng = createRng(o.seed);
  const data = prepare(examples, languages, rng);
  const intent = trainHead(
    data,
    (p) => p.intent,
    (p) => p.feats.length,
    (p) => p.ngramCount,
    MODEL_INTENTS.length,
    o.intentBits,
    0,
    o,
    rng,
  );
  const lang = trainHead(
    data,
    (p) => p.lang,
    (p) => p.langCount,
    (p) => p.langCount,
    languages.length,
    o.langBits,
    LANG_HASH_SHIFT,
    o,
    rng,
  );
  const qi = quantise(intent.weights);
  const ql = quantise(lang.weights);
  return {
    intentBuckets: 1 << o.intentBits,
    intentScale: qi.scale,
    intentBias: Float32Array.from(intent.bias),
    intentWeights: qi.q,
    languages,
    langBuckets: 1 << o.langBits,
    langScale: ql.scale,
    langBias: Float32Array.from(lang.bias),
    langWeights: ql.q,
  };
}
