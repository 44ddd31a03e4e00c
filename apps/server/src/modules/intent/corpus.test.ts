import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { TCorpusExample } from "./intent-model.types.js";
import { parseCorpus } from "./parse-corpus.js";
import { prepareModelText } from "./prepare-model-text.js";

const load = (name: string) => parseCorpus(readFileSync(new URL(`./data/${name}`, import.meta.url), "utf8"));
const train = load("train.jsonl");
const evalSet = load("eval.jsonl");
const key = (text: string) => prepareModelText(text).norm.compact;
const isOptOut = (e: TCorpusExample) => e.intent === "opt_out" || e.intent === "opt_out_marketing";

function byLanguage(set: readonly TCorpusExample[]): Map<string, TCorpusExample[]> {
  const m = new Map<string, TCorpusExample[]>();
  for (const e of set) m.set(e.language, [...(m.get(e.language) ?? []), e]);
  return m;
}

describe("corpora", () => {
  it("keeps the evaluation set out of the training corpus (after normalisation)", () => {
    const seen = new Set(train.map((e) => key(e.text)));
    const leaked = evalSet.filter((e) => seen.has(key(e.text))).map((e) => e.text);
    expect(leaked).toEqual([]);
  });

  it("has an evaluation set of decent size: >= 1,500 lines, >= 40 languages, >= 20 opt-outs+negatives each", () => {
    expect(evalSet.length).toBeGreaterThanOrEqual(1500);
    const langs = byLanguage(evalSet);
    expect(langs.size).toBeGreaterThanOrEqual(40);
    for (const [lang, list] of langs) {
      const optOuts = list.filter(isOptOut).length;
      const negatives = list.filter((e) => e.intent === "none").length;
      expect(optOuts + negatives, lang).toBeGreaterThanOrEqual(20);
      expect(optOuts, lang).toBeGreaterThanOrEqual(10);
      expect(negatives, lang).toBeGreaterThanOrEqual(10);
    }
  });

  it("trains every language on every class, with hard negatives", () => {
    const required = [
      "ar",
      "bg",
      "bn",
      "ca",
      "cs",
      "da",
      "de",
      "el",
      "en",
      "es",
      "et",
      "fa",
      "fi",
      "fr",
      "he",
      "hi",
      "hr",
      "hu",
      "id",
      "it",
      "ja",
      "ko",
      "lt",
      "lv",
      "ms",
      "nl",
      "no",
      "pl",
      "pt",
      "ro",
      "ru",
      "sk",
      "sl",
      "sr",
      "sv",
      "sw",
      "th",
      "tl",
      "tr",
      "uk",
      "ur",
      "vi",
      "zh",
    ];
    const langs = byLanguage(train);
    for (const lang of required) {
      const list = langs.get(lang) ?? [];
      for (const intent of ["opt_out", "opt_out_marketing", "opt_in", "help", "none"] as const) {
        expect(list.filter((e) => e.intent === intent).length, `${lang}/${intent}`).toBeGreaterThan(0);
      }
      expect(list.filter((e) => e.intent === "none").length, `${lang} negatives`).toBeGreaterThanOrEqual(15);
    }
  });
});
