import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countSmsSegments } from "./sms-segments.js";

describe("countSmsSegments", () => {
  it.each([
    ["empty", "", "GSM-7", 1, 0],
    ["160 GSM characters", "a".repeat(160), "GSM-7", 1, 160],
    ["161 GSM characters", "a".repeat(161), "GSM-7", 2, 161],
    ["306 GSM characters (2 × 153)", "a".repeat(306), "GSM-7", 2, 306],
    ["307 GSM characters", "a".repeat(307), "GSM-7", 3, 307],
    ["one € among 158 (2 septets)", `${"a".repeat(158)}€`, "GSM-7", 1, 160],
    ["one € among 159", `${"a".repeat(159)}€`, "GSM-7", 2, 161],
    ["all extension characters", "€[]{}\\^~|", "GSM-7", 1, 18],
    ["GSM accents and Greek", "àÄéÑüΔΩ£¥§¿¡", "GSM-7", 1, 12],
    ["one emoji", "Hi 👋", "UCS-2", 1, 5],
    ["70 UCS-2 units", `${"ж".repeat(70)}`, "UCS-2", 1, 70],
    ["71 UCS-2 units", `${"ж".repeat(71)}`, "UCS-2", 2, 71],
    ["134 UCS-2 units (2 × 67)", `${"ж".repeat(134)}`, "UCS-2", 2, 134],
    ["135 UCS-2 units", `${"ж".repeat(135)}`, "UCS-2", 3, 135],
    ["69 units + an emoji (2 units)", `${"ж".repeat(68)}😀`, "UCS-2", 1, 70],
    ["a lowercase ç (not in GSM-7)", "ça va", "UCS-2", 1, 5],
  ] as const)("%s", (_label, body, encoding, segments, units) => {
    expect(countSmsSegments(body)).toEqual({ encoding, segments, units });
  });

  it("does not split an escape sequence across parts", () => {
    // 152 septets then € (2): the € does not fit the first 153-septet part.
    expect(countSmsSegments(`${"a".repeat(152)}€${"a".repeat(10)}`).segments).toBe(2);
    // 306 septets exactly with the € straddling the boundary → a third part.
    expect(countSmsSegments(`${"a".repeat(152)}€${"a".repeat(152)}`).segments).toBe(3);
  });

  it("does not split a surrogate pair across parts", () => {
    // 66 units then an emoji: the pair does not fit the first 67-unit part.
    expect(countSmsSegments(`${"ж".repeat(66)}😀${"ж".repeat(4)}`).segments).toBe(2);
    expect(countSmsSegments(`${"ж".repeat(66)}😀${"ж".repeat(66)}`).segments).toBe(3);
  });

  it("is monotonic and bounded (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 400 }), (body) => {
        const result = countSmsSegments(body);
        expect(result.segments).toBeGreaterThanOrEqual(1);
        const perPart = result.encoding === "GSM-7" ? 153 : 67;
        const single = result.encoding === "GSM-7" ? 160 : 70;
        if (result.units <= single) expect(result.segments).toBe(1);
        else {
          expect(result.segments).toBeGreaterThanOrEqual(Math.ceil(result.units / perPart));
          expect(result.segments).toBeLessThanOrEqual(Math.ceil(result.units / (perPart - 1)));
        }
        if (result.encoding === "UCS-2") expect(result.units).toBe(body.length);
      }),
      { numRuns: 300 },
    );
  });
});
