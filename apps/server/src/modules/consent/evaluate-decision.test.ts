import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TWorkspaceKeys } from "../../core/keyring.js";
import type { TContactChannel } from "../contacts/index.js";
import { checkConsent } from "./check-consent.js";
import type { TCategory, TDecisionInput, TGrantState } from "./consent.types.js";
import { DecisionFactsCache, type TDecisionFactsLoader } from "./decision-facts-cache.js";
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
  basis: fc.constantFrom("consent" as const, "legitimate_interest" as const, "contract" as const),
  status: fc.constantFrom("pending" as const, "active" as const, "withdrawn" as const),
  effectiveAt: time,
  expiresAt: fc.option(time),
  confirmBy: fc.option(time),
  confirmedEntryId: fc.constant(null),
  withdrawnEntryId: fc.constant(null),
  exclusions: fc.option(
    fc.uniqueArray(
      fc
        .tuple(fc.constantFrom("cmp_1", "cmp_2"), fc.constantFrom(...channels))
        .map(([c, ch]) => `${c}:${ch}:cns_narrow_${c}_${ch}`),
    ),
    { nil: undefined },
  ),
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

/** Two workspaces that use the same brand, campaign and contact id strings (ids are never compared alone). */
const workspaces = ["ws_1", "ws_2"] as const;
type TWorld = Record<(typeof workspaces)[number], TDecisionFacts>;
/** What each workspace holds about contact "ctc_1" (its flags, opt-outs, grants of every brand, a campaign). */
const worldArb: fc.Arbitrary<TWorld> = fc.record({ ws_1: factsArb, ws_2: factsArb });

const inputArb: fc.Arbitrary<TDecisionInput> = fc.record({
  workspaceId: fc.constantFrom(...workspaces),
  contactId: fc.constant("ctc_1"),
  brandId: fc.constantFrom(...brands),
  campaignId: fc.constantFrom(null, "cmp_1", "cmp_2"),
  channel: fc.constantFrom(...channels),
  category: fc.constantFrom(...cats),
  at: fc.constant(AT),
});

const otherWorkspace = (ws: string) => (ws === "ws_1" ? "ws_2" : "ws_1");
const factsOf = (world: TWorld, ws: string): TDecisionFacts => world[ws === "ws_1" ? "ws_1" : "ws_2"];

/** The facts a reader confined to the input's workspace gives: that workspace's, this brand's grants only. */
function ownFacts(world: TWorld, input: TDecisionInput): TDecisionFacts {
  const f = factsOf(world, input.workspaceId);
  return {
    ...f,
    grants: f.grants.filter((g) => g.brandId === input.brandId),
    campaign: f.campaign?.id === input.campaignId ? f.campaign : undefined,
  };
}

/** A facts loader over a world: each workspace answers from its own facts only, as the database does. */
function loaderOf(world: TWorld): TDecisionFactsLoader {
  return {
    async facts(ws, pairs) {
      const f = factsOf(world, ws);
      return new Map(
        pairs.map((p) => [
          `${p.contactId}\u0000${p.brandId}`,
          {
            contact: p.contactId === "ctc_1" ? f.contact : null,
            brandFound: f.brandFound,
            quietHours: f.quietHours,
            suppression: f.suppression,
            grants: f.grants.filter((g) => g.brandId === p.brandId),
            optOutPropensity: 0,
          },
        ]),
      );
    },
    async campaign(ws, campaignId) {
      const c = factsOf(world, ws).campaign;
      return c?.id === campaignId ? c : undefined;
    },
    async contactsByAddress() {
      return new Map();
    },
  };
}

/** An active marketing grant of brand "brd_a" on sms, changed by `o`. */
const marketingGrant = (o: Partial<TGrantState> & { id: string }): TGrantState => ({
  brandId: "brd_a",
  campaignId: null,
  category: "marketing",
  channels: ["sms"],
  basis: "consent",
  status: "active",
  effectiveAt: new Date(AT.getTime() - 86_400_000),
  expiresAt: null,
  confirmBy: null,
  confirmedEntryId: null,
  withdrawnEntryId: null,
  ...o,
});

/** The facts of an adult French contact of "brd_a" with these grants (and campaign, and birthday). */
const adultFacts = (
  grants: TGrantState[],
  o: { campaign?: TDecisionFacts["campaign"]; minorUntil?: Date | null } = {},
): TDecisionFacts => ({
  contact: {
    erasedAt: null,
    restrictedAt: null,
    minor: false,
    minorUntil: o.minorUntil ?? null,
    timeZone: null,
    phoneTimeZone: "Europe/Paris",
    country: "FR",
    region: null,
  },
  brandFound: true,
  quietHours: null,
  suppression: null,
  grants,
  campaign: o.campaign,
});

const noKeys: TWorkspaceKeys = { version: 1, encryption: Buffer.alloc(32, 1), index: Buffer.alloc(32, 2) };

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

  it("reads nothing but its facts: the workspace asked for is the facts reader's to confine", () => {
    fc.assert(
      fc.property(inputArb, factsArb, (input, facts) => {
        const elsewhere = { ...input, workspaceId: otherWorkspace(input.workspaceId) };
        expect(evaluateDecision(input, facts)).toEqual(evaluateDecision(elsewhere, facts));
      }),
      { numRuns: 1000 },
    );
  });

  it("never lets another workspace's consent change a check, with the same brand, campaign and contact ids", async () => {
    await fc.assert(
      fc.asyncProperty(
        worldArb,
        factsArb,
        fc.constantFrom(...workspaces),
        fc.array(inputArb, { minLength: 1, maxLength: 12 }),
        async (world, replacement, changed, inputs) => {
          // Two worlds that agree on every workspace but one: checks elsewhere must not tell them apart.
          const twin: TWorld = { ...world, [changed]: replacement };
          const caches = [new DecisionFactsCache(loaderOf(world)), new DecisionFactsCache(loaderOf(twin))];
          try {
            // Asked twice, interleaving workspaces: answers come from a cold and then a warm cache.
            for (const input of [...inputs, ...inputs]) {
              const expected = evaluateDecision(input, ownFacts(world, input));
              const [a, b] = await Promise.all(
                caches.map(async (cache) =>
                  checkConsent(cache, noKeys, {
                    workspaceId: input.workspaceId,
                    contactId: input.contactId,
                    brandId: input.brandId,
                    campaignId: input.campaignId ?? undefined,
                    channel: input.channel,
                    category: input.category,
                    at: input.at,
                  }),
                ),
              );
              expect(a?.decision).toEqual(expected);
              if (input.workspaceId !== changed) expect(b?.decision).toEqual(expected);
              else expect(b?.decision).toEqual(evaluateDecision(input, ownFacts(twin, input)));
            }
          } finally {
            for (const c of caches) c.close();
          }
        },
      ),
      { numRuns: 300 },
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
        // A brand-wide grant the person withdrew this campaign from (on this channel) never covers it.
        const prefix = `${input.campaignId}:${input.channel}:`;
        if (g.campaignId === null && input.campaignId !== null)
          expect(g.exclusions?.some((x) => x.startsWith(prefix)) ?? false).toBe(false);
        expect(grantStanding(g, AT)).toBe("active");
        expect(g.effectiveAt.getTime()).toBeLessThanOrEqual(AT.getTime());
        expect(facts.suppression?.optOutMarketingEntryId ?? null).toBeNull();
        expect(facts.contact?.minor).toBe(false);
        expect(g.basis).not.toBe("contract");
        // Never on a consent given before the person turned 16.
        const adult = facts.contact?.minorUntil?.getTime() ?? 0;
        expect(g.effectiveAt.getTime()).toBeGreaterThanOrEqual(adult);
      }),
      { numRuns: 3000 },
    );
  });

  it("refuses a campaign withdrawn from a brand-wide grant on that channel only, until a later grant covers it", () => {
    const campaign = {
      id: "cmp_1",
      brandId: "brd_a",
      name: "Autumn",
      category: "marketing" as const,
      channels: ["sms", "whatsapp"] as TContactChannel[],
      createdAt: AT,
    };
    const brandWide = marketingGrant({
      id: "cns_01",
      channels: ["sms", "whatsapp"],
      exclusions: ["cmp_1:sms:cns_02"],
    });
    const facts = (grants: TGrantState[]) => adultFacts(grants, { campaign });
    const ask = (grants: TGrantState[], channel: TContactChannel, campaignId: string | null = "cmp_1") =>
      evaluateDecision(
        {
          workspaceId: "ws_1",
          contactId: "ctc_1",
          brandId: "brd_a",
          campaignId,
          channel,
          category: "marketing",
          at: AT,
        },
        facts(grants),
      );
    expect(ask([brandWide], "sms")).toEqual({
      allowed: false,
      reason: "consent_revoked",
      basis: null,
      ledgerEntryIds: ["cns_01", "cns_02"],
    });
    expect(ask([brandWide], "whatsapp")).toMatchObject({ allowed: true, ledgerEntryIds: ["cns_01"] });
    expect(ask([brandWide], "sms", null)).toMatchObject({ allowed: true, ledgerEntryIds: ["cns_01"] });
    // Another brand-wide grant given later, or one for the campaign itself, covers it again.
    const again = { ...brandWide, id: "cns_03", exclusions: undefined, effectiveAt: AT };
    expect(ask([brandWide, again], "sms")).toMatchObject({ allowed: true, ledgerEntryIds: ["cns_03"] });
    const own = { ...again, id: "cns_04", campaignId: "cmp_1", channels: ["sms"] as TContactChannel[] };
    expect(ask([brandWide, own], "sms")).toMatchObject({ allowed: true, ledgerEntryIds: ["cns_04"] });
    // Withdrawn whole since: both withdrawals are the answer.
    const gone = { ...brandWide, status: "withdrawn" as const, withdrawnEntryId: "cns_05" };
    expect(ask([gone], "sms")).toMatchObject({
      reason: "consent_revoked",
      ledgerEntryIds: ["cns_01", "cns_02", "cns_05"],
    });
    expect(ask([gone], "whatsapp")).toMatchObject({
      reason: "consent_revoked",
      ledgerEntryIds: ["cns_01", "cns_05"],
    });
  });

  it("never lets a consent given before the 16th birthday permit marketing, even after it", () => {
    const birthday16 = new Date(AT.getTime() - 30 * 86_400_000);
    const grant = (id: string, effectiveAt: Date) => marketingGrant({ id, effectiveAt });
    const facts = (grants: TGrantState[]) => adultFacts(grants, { minorUntil: birthday16 });
    const input = (category: TCategory): TDecisionInput => ({
      workspaceId: "ws_1",
      contactId: "ctc_1",
      brandId: "brd_a",
      campaignId: null,
      channel: "sms",
      category,
      at: AT,
    });
    const asChild = grant("cns_child", new Date(birthday16.getTime() - 86_400_000));
    expect(evaluateDecision(input("marketing"), facts([asChild]))).toMatchObject({
      allowed: false,
      reason: "consent_missing",
    });
    // Transactional messages do not rest on consent.
    expect(evaluateDecision(input("transactional"), facts([asChild])).allowed).toBe(true);
    // A consent given since the birthday does.
    const asAdult = grant("cns_adult", new Date(birthday16.getTime() + 86_400_000));
    expect(evaluateDecision(input("marketing"), facts([asChild, asAdult]))).toMatchObject({
      allowed: true,
      ledgerEntryIds: ["cns_adult"],
    });
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
