import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classify } from "./classify.js";
import { ZIntentResult } from "./intent.types.js";

describe("classify (property)", () => {
  it("never throws and always returns a valid result", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (text) => {
        expect(ZIntentResult.safeParse(classify(text)).success).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it("handles arbitrary UTF-16, including lone surrogates", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 200 }),
        fc.string({ unit: "binary", maxLength: 8 }),
        (text, locale) => {
          expect(ZIntentResult.safeParse(classify(text, { locale })).success).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("stays valid and bounded on huge input", () => {
    const huge = "stop texting me please ".repeat(200_000);
    const started = performance.now();
    const r = classify(huge);
    expect(ZIntentResult.safeParse(r).success).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000); // a sanity bound, not a benchmark
  });

  it("is deterministic", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        expect(classify(text)).toEqual(classify(text));
      }),
      { numRuns: 300 },
    );
  });
});
