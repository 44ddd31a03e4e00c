import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkQuietHours, type TBrandQuietHours, type TRecipientPlace } from "./quiet-hours.js";

const at = (iso: string) => new Date(iso);
const us: TRecipientPlace = { timeZone: null, country: "US", region: null };
const ny: TRecipientPlace = { timeZone: "America/New_York", country: "US", region: null };
const fr: TRecipientPlace = { timeZone: null, country: "FR", region: null };

describe("checkQuietHours", () => {
  it("holds a US number of unknown zone to the hours that are 08:00–21:00 everywhere in the US", () => {
    // January: Honolulu 08:00 is 18:00 UTC; New York 21:00 is 02:00 UTC.
    expect(checkQuietHours(at("2026-01-15T17:59:00Z"), us, null)).toEqual({
      allowed: false,
      notBefore: at("2026-01-15T18:00:00Z"),
    });
    expect(checkQuietHours(at("2026-01-15T18:00:00Z"), us, null)).toEqual({ allowed: true });
    expect(checkQuietHours(at("2026-01-16T01:59:00Z"), us, null)).toEqual({ allowed: true });
    expect(checkQuietHours(at("2026-01-16T02:00:00Z"), us, null)).toEqual({
      allowed: false,
      notBefore: at("2026-01-16T18:00:00Z"),
    });
  });

  it("uses the contact's own zone, and the stricter state window by area code", () => {
    expect(checkQuietHours(at("2026-01-15T12:59:00Z"), ny, null)).toEqual({
      allowed: false,
      notBefore: at("2026-01-15T13:00:00Z"),
    });
    expect(checkQuietHours(at("2026-01-16T01:59:00Z"), ny, null)).toEqual({ allowed: true });
    const md: TRecipientPlace = { timeZone: null, country: "US", region: "US-MD" };
    expect(checkQuietHours(at("2026-01-16T00:59:00Z"), md, null).allowed).toBe(true);
    expect(checkQuietHours(at("2026-01-16T01:00:00Z"), md, null)).toEqual({
      allowed: false,
      notBefore: at("2026-01-16T13:00:00Z"),
    });
  });

  it("finds the opening on the night clocks spring forward", () => {
    // 2026-03-08 01:30 EST; 08:00 that morning is already EDT (12:00 UTC), not 13:00 UTC.
    expect(checkQuietHours(at("2026-03-08T06:30:00Z"), ny, null)).toEqual({
      allowed: false,
      notBefore: at("2026-03-08T12:00:00Z"),
    });
    // And in autumn 08:00 EST on 2026-11-01 is 13:00 UTC.
    expect(checkQuietHours(at("2026-11-01T05:30:00Z"), ny, null)).toEqual({
      allowed: false,
      notBefore: at("2026-11-01T13:00:00Z"),
    });
  });

  it("applies a brand's window (wrapping midnight too), in the brand's zone when the contact's is unknown", () => {
    const evenings: TBrandQuietHours = { start: 18 * 60, end: 2 * 60, timeZone: "Europe/Paris" };
    expect(checkQuietHours(at("2026-01-15T12:00:00Z"), fr, evenings)).toEqual({
      allowed: false,
      notBefore: at("2026-01-15T17:00:00Z"),
    });
    expect(checkQuietHours(at("2026-01-15T23:30:00Z"), fr, evenings)).toEqual({ allowed: true });
    // No zone known at all: nothing to hold the send to.
    expect(checkQuietHours(at("2026-01-15T12:00:00Z"), fr, { ...evenings, timeZone: null })).toEqual({
      allowed: true,
    });
    // A brand window that never meets the US window leaves no opening.
    expect(
      checkQuietHours(at("2026-01-15T12:00:00Z"), ny, { start: 2 * 60, end: 3 * 60, timeZone: null }),
    ).toEqual({ allowed: false });
  });

  it("always names an opening that is allowed and later, with nothing allowed just before it", () => {
    const places = fc.constantFrom<TRecipientPlace>(
      us,
      ny,
      { timeZone: "Australia/Lord_Howe", country: "US", region: null },
      { timeZone: null, country: "US", region: "US-FL" },
    );
    fc.assert(
      fc.property(
        fc.date({ min: at("2025-01-01T00:00:00Z"), max: at("2028-01-01T00:00:00Z"), noInvalidDate: true }),
        places,
        (t, place) => {
          const r = checkQuietHours(t, place, null);
          if (r.allowed || !r.notBefore) return;
          expect(r.notBefore.getTime()).toBeGreaterThan(t.getTime());
          expect(checkQuietHours(r.notBefore, place, null).allowed).toBe(true);
          const before = new Date(r.notBefore.getTime() - 60_000);
          if (before.getTime() > t.getTime())
            expect(checkQuietHours(before, place, null).allowed).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});
