import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors.js";
import { commonPasswords } from "./common-passwords.js";
import { lockDuration } from "./lockout-policy.js";
import { assertPasswordPolicy } from "./password-policy.js";

const refused = (p: string) => {
  try {
    assertPasswordPolicy(p);
    return false;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).field).toBe("password");
    return true;
  }
};

describe("password policy", () => {
  it("refuses short, over-long, common, repeated and sequential passwords", () => {
    expect(refused("elevenchars")).toBe(true);
    expect(refused("x".repeat(257))).toBe(true);
    for (const p of commonPasswords) expect(refused(p), p).toBe(true);
    expect(refused("PassWord1234")).toBe(true);
    expect(refused("zzzzzzzzzzzzzz")).toBe(true);
    expect(refused("abcdefghijklmn")).toBe(true);
    expect(refused("98765432109876")).toBe(true);
    expect(refused("correct horse battery staple")).toBe(false);
  });

  it("accepts any 12+ character password off the list that is not a run", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 12, maxLength: 64 }), (p) => {
        fc.pre(!commonPasswords.has(p.toLowerCase()) && new Set(p).size > 2);
        expect(refused(p)).toBe(false);
      }),
    );
  });
});

describe("lockout policy", () => {
  it("locks from the fifth failure, doubling from 1 minute, capped at 1 hour", () => {
    expect([1, 2, 3, 4].map(lockDuration)).toEqual([null, null, null, null]);
    expect([5, 6, 7, 8, 9, 10, 11, 12, 500].map(lockDuration)).toEqual([
      60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
  });
});
