import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeAddress } from "../contacts/index.js";
import { checkQuietHours, type TBrandQuietHours, type TRecipientPlace } from "./quiet-hours.js";

const at = (iso: string) => new Date(iso);
const us: TRecipientPlace = { timeZone: null, country: "US", region: null };
const ny: TRecipientPlace = { timeZone: "America/New_York", country: "US", region: null };
const fr: TRecipientPlace = { timeZone: null, country: "FR", region: null };

/** A direct reading of every zone's clock (Intl, minute by minute): what checkQuietHours must agree with. */
const formats = new Map<string, Intl.DateTimeFormat>();
const local = (t: Date, zone: string) => {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      hour: "2-digit",
      minute: "2-digit",
    });
    formats.set(zone, f);
  }
  const p = f.formatToParts(t);
  const v = (k: string) => Number(p.find((x) => x.type === k)?.value ?? 0) % (k === "hour" ? 24 : 60);
  return v("hour") * 60 + v("minute");
};
const within = (w: { start: number; end: number }, m: number) =>
  w.start <= w.end ? m >= w.start && m < w.end : m >= w.start || m < w.end;
const US = [
  "America/New_York",
  "America/Chicago",
  "America/Denver",
  "America/Phoenix",
  "America/Los_Angeles",
  "America/Anchorage",
  "Pacific/Honolulu",
];
const STRICT: Record<string, string[]> = {
  "US-FL": ["America/New_York", "America/Chicago"],
  "US-MD": ["America/New_York"],
  "US-OK": ["America/Chicago", "America/Denver"],
};
const reference = (t: Date, p: TRecipientPlace, b: TBrandQuietHours | null): boolean => {
  const us = p.country === "US" || (p.region?.startsWith("US-") ?? false);
  const strict = p.region ? STRICT[p.region] : undefined;
  const phone = p.phoneTimeZone ? p.phoneTimeZone.split(" ") : null;
  const zones = p.timeZone ? [p.timeZone] : (phone ?? (us ? (strict ?? US) : null));
  if (us && zones && !zones.every((z) => within({ start: 480, end: strict ? 1200 : 1260 }, local(t, z))))
    return false;
  const bz = zones ?? (b?.timeZone ? [b.timeZone] : null);
  if (b && bz && b.start !== b.end && !bz.every((z) => within(b, local(t, z)))) return false;
  return true;
};

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

  it("names the first allowed minute when a window opens inside an hour the clocks skip", () => {
    const paris: TRecipientPlace = {
      timeZone: null,
      phoneTimeZone: "Europe/Paris",
      country: "FR",
      region: null,
    };
    // 2026-03-29 has no 02:xx in Paris: a 02:10–02:50 window next opens 2026-03-30 02:10 CEST (00:10 UTC).
    const early: TBrandQuietHours = { start: 130, end: 170, timeZone: null };
    expect(checkQuietHours(at("2026-03-28T23:00:00Z"), paris, early)).toEqual({
      allowed: false,
      notBefore: at("2026-03-30T00:10:00Z"),
    });
    expect(checkQuietHours(at("2026-03-30T00:09:00Z"), paris, early).allowed).toBe(false);
    expect(checkQuietHours(at("2026-03-30T00:10:00Z"), paris, early).allowed).toBe(true);
    // A 02:10–03:30 window opens when the clock jumps from 02:00 to 03:00 CEST (01:00 UTC), not at 03:10.
    const across: TBrandQuietHours = { start: 130, end: 210, timeZone: null };
    expect(checkQuietHours(at("2026-03-28T23:00:00Z"), paris, across)).toEqual({
      allowed: false,
      notBefore: at("2026-03-29T01:00:00Z"),
    });
    // In autumn the clock reads 02:xx twice: a window 02:10–02:20 opens at the first 02:10 (CEST).
    const twice: TBrandQuietHours = { start: 130, end: 140, timeZone: null };
    expect(checkQuietHours(at("2026-10-24T23:00:00Z"), paris, twice)).toEqual({
      allowed: false,
      notBefore: at("2026-10-25T00:10:00Z"),
    });
    expect(checkQuietHours(at("2026-10-25T00:20:00Z"), paris, twice)).toEqual({
      allowed: false,
      notBefore: at("2026-10-25T01:10:00Z"),
    });
  });

  it("names the first allowed minute, as a minute-by-minute walk finds it, around daylight-saving changes", () => {
    const paris: TRecipientPlace = {
      timeZone: null,
      phoneTimeZone: "Europe/Paris",
      country: "FR",
      region: null,
    };
    const lordHowe: TRecipientPlace = { timeZone: "Australia/Lord_Howe", country: "US", region: null };
    const split: TRecipientPlace = {
      timeZone: null,
      phoneTimeZone: "America/Chicago America/New_York",
      country: "US",
      region: "US-FL",
    };
    // Each change with places (and a brand zone) whose clocks it moves.
    const scenarios = fc.constantFrom(
      ...["2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z"].flatMap((change) => [
        { change, place: paris, zone: null },
        { change, place: fr, zone: "Europe/Paris" },
      ]),
      ...["2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z"].flatMap((change) => [
        { change, place: ny, zone: null },
        { change, place: us, zone: null },
        { change, place: split, zone: null },
      ]),
      ...["2026-04-04T15:00:00Z", "2026-10-03T15:30:00Z"].map((change) => ({
        change,
        place: lordHowe,
        zone: null,
      })),
    );
    // Brand windows often start in the hours the clocks skip or repeat (01:00–03:00 local), and are often short.
    const brands = fc.option(
      fc.record({
        start: fc.oneof(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 60, max: 179 })),
        length: fc.oneof(fc.integer({ min: 1, max: 1439 }), fc.integer({ min: 1, max: 90 })),
      }),
    );
    const WALK_MINUTES = 3 * 1440;
    fc.assert(
      fc.property(
        scenarios,
        fc.integer({ min: -36 * 60 * 60, max: 6 * 60 * 60 }),
        brands,
        ({ change, place, zone }, seconds, window) => {
          const brand = window
            ? { start: window.start, end: (window.start + window.length) % 1440, timeZone: zone }
            : null;
          const t = new Date(at(change).getTime() + seconds * 1000);
          const r = checkQuietHours(t, place, brand);
          expect(r.allowed).toBe(reference(t, place, brand));
          if (r.allowed) return;
          // The first minute after t that a direct reading of the clocks allows, looked for up to 3 days.
          const from = Math.floor(t.getTime() / 60_000) * 60_000 + 60_000;
          const last = Math.min(
            r.notBefore?.getTime() ?? Number.POSITIVE_INFINITY,
            from + WALK_MINUTES * 60_000,
          );
          let first: number | null = null;
          for (let m = from; m <= last && first === null; m += 60_000)
            if (reference(new Date(m), place, brand)) first = m;
          if (first !== null) expect(r.notBefore).toEqual(new Date(first));
          else expect(r.notBefore === undefined || r.notBefore.getTime() > last).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
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

  it("places a number by its area code: its own zone and, in Florida, Maryland and Oklahoma, 08:00–20:00", () => {
    const of = (n: string): TRecipientPlace => {
      const a = normalizeAddress("sms", n);
      return { timeZone: null, phoneTimeZone: a.timeZone, country: a.country, region: a.region };
    };
    // +1 212 at 21:30 New York time (EST): quiet until the next 08:00 in New York.
    expect(checkQuietHours(at("2026-01-16T02:30:00Z"), of("+12125550100"), null)).toEqual({
      allowed: false,
      notBefore: at("2026-01-16T13:00:00Z"),
    });
    // In summer (EDT) the same evening is an hour earlier in UTC.
    expect(checkQuietHours(at("2026-07-16T01:30:00Z"), of("+12125550100"), null)).toEqual({
      allowed: false,
      notBefore: at("2026-07-16T12:00:00Z"),
    });
    expect(checkQuietHours(at("2026-01-16T01:30:00Z"), of("+12125550100"), null)).toEqual({ allowed: true });
    for (const [n, evening, opens] of [
      ["+13055550100", "2026-01-16T01:30:00Z", "2026-01-16T13:00:00Z"], // Miami, 20:30 EST
      ["+14105550100", "2026-01-16T01:30:00Z", "2026-01-16T13:00:00Z"], // Baltimore, 20:30 EST
      ["+14055550100", "2026-01-16T02:30:00Z", "2026-01-16T14:00:00Z"], // Oklahoma City, 20:30 CST
    ] as const) {
      expect(checkQuietHours(at(evening), of(n), null), n).toEqual({ allowed: false, notBefore: at(opens) });
      expect(checkQuietHours(new Date(at(evening).getTime() - 3_600_000), of(n), null), n).toEqual({
        allowed: true,
      });
    }
    // The contact's own zone wins; an unknown area code keeps every US zone.
    expect(
      checkQuietHours(
        at("2026-01-16T02:30:00Z"),
        { ...of("+12125550100"), timeZone: "America/Los_Angeles" },
        null,
      ),
    ).toEqual({ allowed: true });
    expect(checkQuietHours(at("2026-01-15T17:59:00Z"), of("+15212345678"), null)).toEqual({
      allowed: false,
      notBefore: at("2026-01-15T18:00:00Z"),
    });
    // Outside the US no legal window applies; a brand's window applies in the recipient's zone.
    const fr = of("+33612345678");
    expect(checkQuietHours(at("2026-01-15T23:30:00Z"), fr, null)).toEqual({ allowed: true });
    expect(
      checkQuietHours(at("2026-01-15T20:30:00Z"), fr, {
        start: 9 * 60,
        end: 21 * 60,
        timeZone: "America/New_York",
      }),
    ).toEqual({
      allowed: false,
      notBefore: at("2026-01-16T08:00:00Z"),
    });
  });

  it("holds a number whose area code spans zones to the window in every one of them", () => {
    const of = (n: string): TRecipientPlace => {
      const a = normalizeAddress("sms", n);
      return { timeZone: null, phoneTimeZone: a.timeZone, country: a.country, region: a.region };
    };
    for (const [n, late, opens, inside, majority] of [
      // Tallahassee (850, Eastern; Pensacola is Central): 20:30 EST is after Florida's 20:00.
      [
        "+18506441234",
        "2026-12-02T01:30:00Z",
        "2026-12-02T14:00:00Z",
        "2026-12-02T00:30:00Z",
        "America/Chicago",
      ],
      // Evansville (812, Central; most of 812 is Eastern): 07:30 CST, 08:30 EST.
      [
        "+18124241234",
        "2026-12-02T13:30:00Z",
        "2026-12-02T14:00:00Z",
        "2026-12-02T14:00:00Z",
        "America/Indiana/Indianapolis",
      ],
      // Idaho's panhandle (208, Pacific; Boise is Mountain): 07:30 PST, 08:30 MST.
      [
        "+12083451234",
        "2026-12-02T15:30:00Z",
        "2026-12-02T16:00:00Z",
        "2026-12-02T16:00:00Z",
        "America/Boise",
      ],
    ] as const) {
      expect(checkQuietHours(at(late), of(n), null), n).toEqual({ allowed: false, notBefore: at(opens) });
      expect(checkQuietHours(at(inside), of(n), null), n).toEqual({ allowed: true });
      // Before, the area code's majority zone alone was used: the send was allowed. The contact's own
      // zone still wins.
      expect(checkQuietHours(at(late), { ...of(n), timeZone: majority }, null).allowed, n).toBe(true);
    }
    // A brand's window holds in each zone too (Canada: no legal window, East Kootenay is Mountain).
    const bc = of("+12504261234");
    const nineToFive: TBrandQuietHours = { start: 9 * 60, end: 17 * 60, timeZone: null };
    // 16:30 in Vancouver is 17:30 in Edmonton.
    expect(checkQuietHours(at("2026-12-02T00:30:00Z"), bc, nineToFive)).toEqual({
      allowed: false,
      notBefore: at("2026-12-02T17:00:00Z"),
    });
  });

  it("agrees with a direct reading of every zone's clock, for any time, place and brand window", () => {
    const places = fc.constantFrom<TRecipientPlace>(
      us,
      ny,
      fr,
      { timeZone: null, phoneTimeZone: "America/Chicago", country: "US", region: "US-FL" },
      { timeZone: null, phoneTimeZone: null, country: "US", region: "US-MD" },
      { timeZone: null, phoneTimeZone: "America/Puerto_Rico", country: "PR", region: "US-PR" },
      { timeZone: null, phoneTimeZone: "Asia/Kathmandu", country: "NP", region: null },
      { timeZone: "Australia/Lord_Howe", phoneTimeZone: "Europe/Paris", country: "FR", region: null },
      {
        timeZone: null,
        phoneTimeZone: "America/Chicago America/New_York",
        country: "US",
        region: "US-FL",
      },
      { timeZone: null, phoneTimeZone: "America/Boise America/Los_Angeles", country: "US", region: "US-ID" },
      {
        timeZone: "America/Denver",
        phoneTimeZone: "America/Boise America/Los_Angeles",
        country: "US",
        region: "US-ID",
      },
      {
        timeZone: null,
        phoneTimeZone: "America/Vancouver America/Edmonton America/Dawson_Creek",
        country: "CA",
        region: "CA-BC",
      },
    );
    const brands = fc.option(
      fc.record({
        start: fc.integer({ min: 0, max: 1439 }),
        end: fc.integer({ min: 0, max: 1439 }),
        timeZone: fc.constantFrom(null, "Europe/Paris", "America/Denver"),
      }),
    );
    fc.assert(
      fc.property(
        fc.date({ min: at("2025-01-01T00:00:00Z"), max: at("2028-01-01T00:00:00Z"), noInvalidDate: true }),
        places,
        brands,
        (t, place, brand) => {
          expect(checkQuietHours(t, place, brand).allowed).toBe(reference(t, place, brand));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
