import { describe, expect, it } from "vitest";
import {
  evaluateSet,
  evaluateSpamCollection,
  loadEvaluationData,
  missedTargets,
  TARGETS,
} from "../../../scripts/intent-evaluation.js";
import { classify } from "./classify.js";

// The same measurement as `npm run eval:intent`, so the issue #5 targets fail CI when they slip.
describe("evaluation targets (issue #5)", () => {
  const { examples, spamLines, spamListed } = loadEvaluationData();
  const ours = (t: string) => classify(t).intent;
  const set = evaluateSet(examples, ours);
  const spam = evaluateSpamCollection(spamLines, spamListed, ours);

  it("meets every target", () => {
    expect(missedTargets(set, spam)).toEqual([]);
  });

  it("detects opt-outs in at least 40 languages with high recall", () => {
    expect(set.languages).toBeGreaterThanOrEqual(TARGETS.minLanguages);
    expect(set.optOutRecall).toBeGreaterThanOrEqual(TARGETS.optOutRecall);
  });

  it("keeps false opt-outs rare on the eval set and the SMS Spam Collection", () => {
    expect(set.falseOptOutRate).toBeLessThanOrEqual(TARGETS.evalFalseOptOutRate);
    expect(spam.lines).toBeGreaterThan(5000);
    expect(spam.falseOptOutRate).toBeLessThanOrEqual(TARGETS.spamFalseOptOutRate);
    expect(spam.listedDetected).toBe(spam.listed);
  });

  it("scopes marketing-only requests", () => {
    expect(set.marketingScope).toBeGreaterThanOrEqual(TARGETS.marketingScope);
  });
});
