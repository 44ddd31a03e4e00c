/**
 * Measures the intent classifier against issue #5's targets, side by side with a Twilio-style
 * whole-message keyword baseline:
 *
 *   npm run eval:intent            # summary; exit 1 if a target is missed
 *   npm run eval:intent -- --errors   # also list misclassified eval lines
 */
import { classify } from "../src/modules/intent/index.js";
import type { TClassifyFn, TSetReport, TSpamReport } from "./intent-evaluation.js";
import {
  evaluateSet,
  evaluateSpamCollection,
  loadEvaluationData,
  missedTargets,
  TARGETS,
  twilioBaseline,
} from "./intent-evaluation.js";

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const f3 = (x: number) => x.toFixed(3);

const { examples, spamLines, spamListed } = loadEvaluationData();
const ours: TClassifyFn = (t) => classify(t).intent;
const started = performance.now();
const set = evaluateSet(examples, ours);
const spam = evaluateSpamCollection(spamLines, spamListed, ours);
const ms = performance.now() - started;
const baseSet = evaluateSet(examples, twilioBaseline);
const baseSpam = evaluateSpamCollection(spamLines, spamListed, twilioBaseline);

console.log(
  `Assent intent classifier — eval.jsonl: ${examples.length} lines, ${set.languages} languages; SMS Spam Collection: ${spam.lines} lines`,
);
console.log(`(${examples.length + spam.lines} classifications in ${ms.toFixed(0)} ms)\n`);

console.log("Per class (eval.jsonl)        assent P / R / F1            twilio-style P / R / F1   support");
for (const [c, r] of Object.entries(set.perClass)) {
  const b = baseSet.perClass[c as keyof TSetReport["perClass"]];
  console.log(
    `  ${c.padEnd(20)} ${f3(r.precision)} / ${f3(r.recall)} / ${f3(r.f1)}        ${f3(b.precision)} / ${f3(b.recall)} / ${f3(b.f1)}    ${r.support}`,
  );
}

console.log(
  "\nOpt-out detection per language  assent P / R / F1 (class accuracy)   twilio-style R   opt-outs",
);
for (const [lang, r] of Object.entries(set.perLanguage)) {
  const b = baseSet.perLanguage[lang];
  console.log(
    `  ${lang.padEnd(6)} ${f3(r.precision)} / ${f3(r.recall)} / ${f3(r.f1)}  (${f3(r.accuracy)})            ${f3(b?.recall ?? 0)}          ${r.support}`,
  );
}

const row = (name: string, a: string, b: string, target: string) =>
  console.log(`  ${name.padEnd(44)} ${a.padEnd(22)} ${b.padEnd(22)} ${target}`);
console.log(
  "\nSummary                                      assent                 twilio-style           target",
);
row(
  "opt-out recall (eval, all languages)",
  pct(set.optOutRecall),
  pct(baseSet.optOutRecall),
  `>= ${pct(TARGETS.optOutRecall)}`,
);
row(
  "languages with opt-outs in eval",
  String(set.languages),
  String(baseSet.languages),
  `>= ${TARGETS.minLanguages}`,
);
row(
  "false opt-outs (eval non-opt-outs)",
  `${pct(set.falseOptOutRate)} (${set.falseOptOuts}/${set.negatives})`,
  `${pct(baseSet.falseOptOutRate)} (${baseSet.falseOptOuts}/${baseSet.negatives})`,
  `<= ${pct(TARGETS.evalFalseOptOutRate)}`,
);
const spamRow = (s: TSpamReport) => `${pct(s.falseOptOutRate)} (${s.falseOptOuts}/${s.negatives})`;
row(
  "false opt-outs (SMS Spam Collection)",
  spamRow(spam),
  spamRow(baseSpam),
  `<= ${pct(TARGETS.spamFalseOptOutRate)}`,
);
row(
  "listed opt-outs detected (SMS Spam Collection)",
  `${spam.listedDetected}/${spam.listed}`,
  `${baseSpam.listedDetected}/${baseSpam.listed}`,
  "all",
);
row(
  "marketing-only scope right",
  pct(set.marketingScope),
  pct(baseSet.marketingScope),
  `>= ${pct(TARGETS.marketingScope)}`,
);
row("exact intent accuracy (eval)", pct(set.accuracy), pct(baseSet.accuracy), "-");
const langOk = examples.filter((e) => classify(e.text).language === e.language).length;
row("language identified (eval)", pct(langOk / examples.length), "-", "- (a hint, never a gate)");

if (process.argv.includes("--errors")) {
  console.log("\nMisclassified eval lines:");
  for (const e of set.errors) console.log(`  [${e.language}] ${e.expected} → ${e.got}: ${e.text}`);
  console.log("\nSMS Spam Collection false opt-outs:");
  for (const t of spam.falseOptOutTexts) console.log(`  ${t}`);
}

const missed = missedTargets(set, spam);
if (missed.length > 0) {
  console.log(`\nTARGETS MISSED:\n  ${missed.join("\n  ")}`);
  process.exit(1);
}
console.log("\nAll targets met.");
