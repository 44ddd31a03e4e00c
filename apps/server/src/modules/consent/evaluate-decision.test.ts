import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TContactChannel } from "../contacts/index.js";
import type { TCategory, TDecisionInput, TGrantState } from "./consent.types.js";
import { evaluateDecision, type TDecisionFacts } from "./evaluate-decision.js";
import { grantStanding } from "./grant-standing.js";

const AT = new Date("2026-06-01T12:00:00Z");
const brands = ["brd_a", "brd_b", "brd_c"];
const channels: TContactChannel[] = ["sms", "whatsapp", "telegram"];
const cats: TCategory[] = ["marketing", "transactional", "authentication"];
const time = fc.integer({ min: -1000, max: 1000 }).map((h) => new Date(AT.getTime() + h * 3_600_000));

const grantArb: fc.Arbitrary<TGrantState> = fc.record({
  id: fc.uuid().map((u) => `cns_${u}`),
  brandId: fc.constantFrom(...brands),
  campaignId: fc.constantFrom(null, "cmp_1", "cmp_2"),
  category: fc.constantFrom(...cats),
  channels: fc.uniqueArray(fc.constantFrom(...channels), { minLength: 1 }),
  basis: fc.constantFrom("consent" as const, "legitimate_interest" as const),
  status: fc.constantFrom("pending" as const, "active" as const, "withdrawn" as const),
  effectiveAt: time,
  expiresAt: fc.option(time),
  confirmBy: fc.option(time),
  confirmedEntryId: fc.constant(null),
  withdrawnEntryId: fc.constant(null),
});

const factsArb: fc.Arbitrary<TDecisionFacts> = fc.record({
  contact: fc.option(
    fc.record({
      erasedAt: fc.option(fc.constant(AT), { freq: 8 }),
      restrictedAt: fc.option(fc.constant(AT), { freq: 8 }),
      minor: fc.boolean(),
      minorUntil: fc.option(time, { freq: 4 }),
      timeZone: fc.constant(null),
      phoneTimeZone: fc.constant("Europe/Paris"),
      country: fc.constant("FR"),
      region: fc.constant(null),
    }),
    { freq: 10 },
  ),
  brandFound: fc.oneof(
    { arbitrary: fc.constant(true), weight: 4 },
    { arbitrary: fc.constant(false), weight: 1 },
  ),
  quietHours: fc.constant(null),
  suppression: fc.option(
    fc.record({
      optOutAllEntryId: fc.option(fc.constant("cns_out"), { freq: 4 }),
      optOutMarketingEntryId: fc.option(fc.constant("cns_mkt"), { freq: 4 }),
    }),
  ),
  grants: fc.array(grantArb, { maxLength: 6 }),
  campaign: fc.option(
    fc.record({
      id: fc.constantFrom("cmp_1", "cmp_2"),
      brandId: fc.constantFrom(...brands),
      name: fc.constant("c"),
      category: fc.constantFrom(...cats),
      channels: fc.uniqueArray(fc.constantFrom(...channels), { minLength: 1 }),
      createdAt: fc.constant(AT),
    }),
    { nil: undefined },
  ),
});

const inputArb: fc.Arbitrary<TDecisionInput> = fc.record({
  workspaceId: fc.constant("ws_1"),
  contactId: fc.constant("ctc_1"),
  brandId: fc.constantFrom(...brands),
  campaignId: fc.constantFrom(null, "cmp_1", "cmp_2"),
  channel: fc.constantFrom(...channels),
  category: fc.constantFrom(...cats),
  at: fc.constant(AT),
});

describe("evaluateDecision", () => {
  it("never lets another brand's grants change a decision", () => {
    fc.assert(
      fc.property(inputArb, factsArb, (input, facts) => {
        const own = { ...facts, grants: facts.grants.filter((g) => g.brandId === input.brandId) };
        expect(evaluateDecision(input, facts)).toEqual(evaluateDecision(input, own));
      }),
      { numRuns: 3000 },
    );
  });

  it("allows marketing only on an active grant of this brand, campaign scope, category and channel", () => {
    fc.assert(
      fc.property(inputArb, factsArb, (input, facts) => {
        const d = evaluateDecision(input, facts);
        if (!d.allowed || d.reason !== "consent_granted") return;
        const g = facts.grants.find((x) => x.id === d.ledgerEntryIds[0]);
        expect(g).toBeDefined();
        if (!g) return;
        expect(g.brandId).toBe(input.brandId);
        expect(g.category).toBe("marketing");
        expect(g.channels).toContain(input.channel);
        expect(g.campaignId === null || g.campaignId === input.campaignId).toBe(true);
        expect(grantStanding(g, AT)).toBe("active");
        expect(g.effectiveAt.getTime()).toBeLessThanOrEqual(AT.getTime());
        expect(facts.suppression?.optOutMarketingEntryId ?? null).toBeNull();
        expect(facts.contact?.minor).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it("never allows anything to an erased, restricted or fully opted-out contact", () => {
    fc.assert(
      fc.property(inputArb, factsArb, (input, facts) => {
        const c = facts.contact;
        const blocked =
          !c ||
          !facts.brandFound ||
          c.erasedAt !== null ||
          c.restrictedAt !== null ||
          facts.suppression?.optOutAllEntryId;
        if (blocked) expect(evaluateDecision(input, facts).allowed).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });
});
