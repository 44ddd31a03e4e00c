/**
 * K-fold cross-validation of the n-gram model on the training corpus only (the evaluation set stays
 * untouched), used to choose hyper-parameters:
 *
 *   npx tsx scripts/intent-crossval.ts [--folds 5] [--epochs 12] [--lr 0.6] [--l2 1e-6]
 */
import { readFileSync } from "node:fs";
import { detectConcepts } from "../src/modules/intent/detect-concepts.js";
import { extractFeatures } from "../src/modules/intent/extract-features.js";
import { hasOptOutCue } from "../src/modules/intent/has-opt-out-cue.js";
import { MODEL_INTENTS } from "../src/modules/intent/intent-model.types.js";
import { parseCorpus } from "../src/modules/intent/parse-corpus.js";
import { predictIntent } from "../src/modules/intent/predict-intent.js";
import { predictLanguage } from "../src/modules/intent/predict-language.js";
import { prepareModelText } from "../src/modules/intent/prepare-model-text.js";
import { trainIntentModel } from "../src/modules/intent/train-intent-model.js";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const folds = arg("folds", 5);
const examples = parseCorpus(
  readFileSync(new URL("../src/modules/intent/data/train.jsonl", import.meta.url), "utf8"),
);
let correct = 0;
let optPos = 0;
let optHit = 0;
let neg = 0;
let fp = 0;
let langOk = 0;
const thresholds = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6];
const gated = thresholds.map(() => ({ tp: 0, fn: 0, fp: 0, tn: 0 }));
for (let f = 0; f < folds; f++) {
  const train = examples.filter((_, i) => i % folds !== f);
  const test = examples.filter((_, i) => i % folds === f);
  const model = trainIntentModel(train, {
    epochs: arg("epochs", 12),
    learningRate: arg("lr", 0.6),
    l2: arg("l2", 1e-6),
  });
  for (const ex of test) {
    const prep = prepareModelText(ex.text);
    const feats = extractFeatures(prep.tokens, detectConcepts(prep.tokens, prep.text));
    const p = { intent: predictIntent(model, feats), language: predictLanguage(model, feats) };
    let best = 0;
    for (let c = 1; c < 5; c++) if ((p.intent[c] ?? 0) > (p.intent[best] ?? 0)) best = c;
    const pOpt = (p.intent[0] ?? 0) + (p.intent[1] ?? 0);
    const cue = hasOptOutCue(detectConcepts(prep.tokens, prep.text));
    thresholds.forEach((t, k) => {
      const g = gated[k];
      if (!g) return;
      const said = cue && pOpt >= t;
      const isOptOut = ex.intent === "opt_out" || ex.intent === "opt_out_marketing";
      if (isOptOut && said) g.tp++;
      else if (isOptOut) g.fn++;
      else if (said) g.fp++;
      else g.tn++;
    });
    const isOpt = ex.intent === "opt_out" || ex.intent === "opt_out_marketing";
    if (MODEL_INTENTS[best] === ex.intent) correct++;
    if (isOpt) {
      optPos++;
      if (pOpt >= 0.5) optHit++;
    } else {
      neg++;
      if (pOpt >= 0.5) fp++;
    }
    let bl = 0;
    for (let c = 1; c < p.language.length; c++) if ((p.language[c] ?? 0) > (p.language[bl] ?? 0)) bl = c;
    if (model.languages[bl] === ex.language) langOk++;
  }
}
const n = examples.length;
console.log(
  `accuracy ${(correct / n).toFixed(3)}  opt-out recall ${(optHit / optPos).toFixed(3)}  false opt-out ${(fp / neg).toFixed(3)}  language ${(langOk / n).toFixed(3)}`,
);
thresholds.forEach((t, k) => {
  const g = gated[k];
  if (!g) return;
  console.log(
    `  cue && p>=${t}: recall ${(g.tp / (g.tp + g.fn)).toFixed(3)}  false opt-out ${(g.fp / (g.fp + g.tn)).toFixed(3)}`,
  );
});
