/**
 * Evaluation of the intent classifier, shared by `scripts/eval-intent.ts` (prints, exits non-zero on a
 * missed target) and the vitest suite (asserts the same targets).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TIntent } from "../src/modules/intent/index.js";
import type { TCorpusExample } from "../src/modules/intent/intent-model.types.js";
import { parseCorpus } from "../src/modules/intent/parse-corpus.js";

const here = path.dirname(fileURLToPath(import.meta.url));
/** Repository root (/work/main in development, the clone root in CI). */
export const REPO_ROOT = path.resolve(here, "../../..");
export const EVAL_CORPUS_PATH = path.resolve(here, "../src/modules/intent/data/eval.jsonl");
export const SPAM_COLLECTION_PATH = path.resolve(
  REPO_ROOT,
  "../shared/data/sms-spam-collection/SMSSpamCollection",
);
export const SPAM_OPTOUT_LINES_PATH = path.resolve(
  REPO_ROOT,
  "../shared/data/sms-spam-collection/optout-lines.txt",
);

/** The issue #5 targets. */
export const TARGETS = Object.freeze({
  optOutRecall: 0.98,
  minLanguages: 40,
  evalFalseOptOutRate: 0.01,
  spamFalseOptOutRate: 0.002,
  marketingScope: 0.9,
});

export type TClassifyFn = (text: string) => TIntent;

const INTENTS: readonly TIntent[] = ["opt_out", "opt_out_marketing", "opt_in", "help", "none"];
const isOptOut = (i: TIntent) => i === "opt_out" || i === "opt_out_marketing";

export interface TPrf {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface TSetReport {
  perClass: Record<TIntent, TPrf>;
  /** Opt-out (either scope) detection per language. */
  perLanguage: Record<string, TPrf & { accuracy: number }>;
  optOutRecall: number;
  languages: number;
  falseOptOutRate: number;
  falseOptOuts: number;
  negatives: number;
  marketingScope: number;
  accuracy: number;
  errors: { text: string; language: string; expected: TIntent; got: TIntent }[];
}

export interface TSpamReport {
  lines: number;
  falseOptOuts: number;
  negatives: number;
  falseOptOutRate: number;
  listedDetected: number;
  listed: number;
  falseOptOutTexts: string[];
}

function prf(tp: number, fp: number, fn: number): Omit<TPrf, "support"> {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** Scores a classifier on a labelled set. */
export function evaluateSet(examples: readonly TCorpusExample[], classifyFn: TClassifyFn): TSetReport {
  const got = examples.map((e) => classifyFn(e.text));
  const perClass = {} as Record<TIntent, TPrf>;
  for (const c of INTENTS) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    examples.forEach((e, i) => {
      const g = got[i];
      if (g === c && e.intent === c) tp++;
      else if (g === c) fp++;
      else if (e.intent === c) fn++;
    });
    perClass[c] = { ...prf(tp, fp, fn), support: tp + fn };
  }
  const perLanguage: TSetReport["perLanguage"] = {};
  const langs = [...new Set(examples.map((e) => e.language))].sort();
  for (const lang of langs) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let ok = 0;
    let n = 0;
    examples.forEach((e, i) => {
      if (e.language !== lang) return;
      const g = got[i] ?? "none";
      n++;
      if (g === e.intent) ok++;
      if (isOptOut(g) && isOptOut(e.intent)) tp++;
      else if (isOptOut(g)) fp++;
      else if (isOptOut(e.intent)) fn++;
    });
    perLanguage[lang] = { ...prf(tp, fp, fn), support: tp + fn, accuracy: n === 0 ? 1 : ok / n };
  }
  let optPos = 0;
  let optHit = 0;
  let neg = 0;
  let falsePos = 0;
  let mkt = 0;
  let mktHit = 0;
  let correct = 0;
  const errors: TSetReport["errors"] = [];
  examples.forEach((e, i) => {
    const g = got[i] ?? "none";
    if (g === e.intent) correct++;
    else errors.push({ text: e.text, language: e.language, expected: e.intent, got: g });
    if (isOptOut(e.intent)) {
      optPos++;
      if (isOptOut(g)) optHit++;
    } else {
      neg++;
      if (isOptOut(g)) falsePos++;
    }
    if (e.intent === "opt_out_marketing") {
      mkt++;
      if (g === "opt_out_marketing") mktHit++;
    }
  });
  return {
    perClass,
    perLanguage,
    optOutRecall: optPos === 0 ? 1 : optHit / optPos,
    languages: langs.filter((l) => (perLanguage[l]?.support ?? 0) > 0).length,
    falseOptOutRate: neg === 0 ? 0 : falsePos / neg,
    falseOptOuts: falsePos,
    negatives: neg,
    marketingScope: mkt === 0 ? 1 : mktHit / mkt,
    accuracy: examples.length === 0 ? 1 : correct / examples.length,
    errors,
  };
}

/** Every SMS Spam Collection line is expected `none` except the listed (1-based) ones: opt-out. */
export function evaluateSpamCollection(
  lines: readonly string[],
  listed: ReadonlySet<number>,
  classifyFn: TClassifyFn,
): TSpamReport {
  let falseOptOuts = 0;
  let negatives = 0;
  let listedDetected = 0;
  const falseOptOutTexts: string[] = [];
  lines.forEach((line, idx) => {
    const text = line.slice(line.indexOf("\t") + 1);
    const opt = isOptOut(classifyFn(text));
    if (listed.has(idx + 1)) {
      if (opt) listedDetected++;
    } else {
      negatives++;
      if (opt) {
        falseOptOuts++;
        falseOptOutTexts.push(text);
      }
    }
  });
  return {
    lines: lines.length,
    falseOptOuts,
    negatives,
    falseOptOutRate: negatives === 0 ? 0 : falseOptOuts / negatives,
    listedDetected,
    listed: listed.size,
    falseOptOutTexts,
  };
}

/** Reads the evaluation corpus and the SMS Spam Collection from their fixed locations. */
export function loadEvaluationData(): {
  examples: TCorpusExample[];
  spamLines: string[];
  spamListed: Set<number>;
} {
  const examples = parseCorpus(readFileSync(EVAL_CORPUS_PATH, "utf8"));
  const spamLines = readFileSync(SPAM_COLLECTION_PATH, "utf8")
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const spamListed = new Set(
    readFileSync(SPAM_OPTOUT_LINES_PATH, "utf8")
      .split(/\s+/)
      .filter((s) => /^\d+$/.test(s))
      .map(Number),
  );
  return { examples, spamLines, spamListed };
}

const TWILIO_OPT_OUT = new Set([
  "stop",
  "stopall",
  "unsubscribe",
  "cancel",
  "end",
  "quit",
  "revoke",
  "optout",
]);
const TWILIO_OPT_IN = new Set(["start", "yes", "unstop"]);
const TWILIO_HELP = new Set(["help", "info"]);

/** Twilio's default filtering: the whole message, trimmed and case-insensitive, is one default keyword. */
export function twilioBaseline(text: string): TIntent {
  const t = text.trim().toLowerCase();
  if (TWILIO_OPT_OUT.has(t)) return "opt_out";
  if (TWILIO_OPT_IN.has(t)) return "opt_in";
  if (TWILIO_HELP.has(t)) return "help";
  return "none";
}

/** Names of the targets a report misses (empty when all are met). */
export function missedTargets(set: TSetReport, spam: TSpamReport): string[] {
  const missed: string[] = [];
  if (set.optOutRecall < TARGETS.optOutRecall)
    missed.push(`opt-out recall ${set.optOutRecall.toFixed(4)} < ${TARGETS.optOutRecall}`);
  if (set.languages < TARGETS.minLanguages)
    missed.push(`languages ${set.languages} < ${TARGETS.minLanguages}`);
  if (set.falseOptOutRate > TARGETS.evalFalseOptOutRate) {
    missed.push(`eval false opt-out rate ${set.falseOptOutRate.toFixed(4)} > ${TARGETS.evalFalseOptOutRate}`);
  }
  if (spam.falseOptOutRate > TARGETS.spamFalseOptOutRate) {
    missed.push(
      `spam-collection false opt-out rate ${spam.falseOptOutRate.toFixed(4)} > ${TARGETS.spamFalseOptOutRate}`,
    );
  }
  if (spam.listedDetected < spam.listed)
    missed.push(`spam-collection opt-outs detected ${spam.listedDetected}/${spam.listed}`);
  if (set.marketingScope < TARGETS.marketingScope) {
    missed.push(`marketing scope ${set.marketingScope.toFixed(4)} < ${TARGETS.marketingScope}`);
  }
  return missed;
}
