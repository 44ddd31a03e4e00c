import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TTestServer } from "../../../test/server.js";
import { withSystemTx } from "../../core/db/tx.js";
import { confirmDoubleOptIn } from "./confirm-double-opt-in.js";
import { createCampaign } from "./create-campaign.js";
import { decideMany } from "./decide-many.js";
import { hasPendingDoubleOptIn } from "./has-pending-double-opt-in.js";
import { recordOptIn } from "./record-opt-in.js";
import { recordOptOut } from "./record-opt-out.js";
import { api, consentFixture } from "./testing/consent-fixture.js";
import { withdrawConsent } from "./withdraw-consent.js";

let s: TTestServer;
let f: Awaited<ReturnType<typeof consentFixture>>;
beforeAll(async () => {
  s = await createTestServer();
  f = await consentFixture(s);
});
afterAll(async () => s.close());

const HOUR = 3_600_000;

describe("decide", () => {
  it("refuses marketing without consent and allows transactional on the contract", async () => {
    const c = await f.contact();
    expect(await f.decide(c)).toEqual({
      allowed: false,
      reason: "consent_missing",
      basis: null,
      ledgerEntryIds: [],
    });
    expect(await f.decide(c, { category: "transactional" })).toEqual({
      allowed: true,
      reason: "transactional_basis",
      basis: "contract",
      ledgerEntryIds: [],
    });
    expect((await f.decide(c, { category: "authentication" })).allowed).toBe(true);
  });

  it("allows marketing with a grant of this brand on this channel, and only there", async () => {
    const c = await f.contact();
    const g = await f.grant(c, { channels: ["sms", "whatsapp"] });
    expect(await f.decide(c)).toEqual({
      allowed: true,
      reason: "consent_granted",
      basis: "consent",
      ledgerEntryIds: [g.id],
    });
    expect((await f.decide(c, { channel: "whatsapp" })).reason).toBe("consent_granted");
    expect(await f.decide(c, { channel: "telegram" })).toMatchObject({
      allowed: false,
      reason: "channel_not_covered",
    });
  });

  it("never lets one brand's consent, campaign or opt-in serve another brand", async () => {
    const c = await f.contact();
    await f.grant(c, { channels: ["sms", "whatsapp", "email"] });
    const campaignA = await f.tx((t) =>
      createCampaign(t, {
        workspaceId: f.workspaceId,
        brandId: f.brandA,
        name: "A spring",
        category: "marketing",
        channels: ["sms"],
        actor: api,
      }),
    );
    await f.grant(c, { campaignId: campaignA.id });
    for (const channel of ["sms", "whatsapp", "email"] as const) {
      expect(await f.decide(c, { brandId: f.brandB, channel }), channel).toMatchObject({
        allowed: false,
        reason: "consent_missing",
      });
    }
    // Naming brand A's campaign while sending as brand B does not borrow its consent.
    expect(await f.decide(c, { brandId: f.brandB, campaignId: campaignA.id })).toMatchObject({
      allowed: false,
      reason: "consent_missing",
    });
    // An opt-out from brand B leaves brand A's consent alone, and B's opt-in creates no consent for B.
    await f.tx((t) =>
      recordOptOut(t, {
        workspaceId: f.workspaceId,
        brandId: f.brandB,
        contactId: c,
        scope: "all",
        channel: "sms",
        evidence: { method: "keyword", matched: "stop" },
        actor: api,
      }),
    );
    expect((await f.decide(c)).allowed).toBe(true);
    await f.tx((t) =>
      recordOptIn(t, {
        workspaceId: f.workspaceId,
        brandId: f.brandB,
        contactId: c,
        channel: "sms",
        evidence: { method: "keyword" },
        actor: api,
      }),
    );
    expect((await f.decide(c, { brandId: f.brandB })).reason).toBe("consent_missing");
    // Another workspace's brand or contact is never found.
    const other = await s.workspace("Elsewhere");
    expect(await f.decide(c, { brandId: other.brandId })).toMatchObject({
      allowed: false,
      reason: "consent_missing",
    });
  });

  it("scopes a campaign consent to its campaign; a brand-wide consent covers every campaign", async () => {
    const c = await f.contact();
    const mk = (name: string, channels: ("sms" | "whatsapp")[]) =>
      f.tx((t) =>
        createCampaign(t, {
          workspaceId: f.workspaceId,
          brandId: f.brandA,
          name,
          category: "marketing",
          channels,
          actor: api,
        }),
      );
    const spring = await mk(`spring-${c}`, ["sms"]);
    const autumn = await mk(`autumn-${c}`, ["sms"]);
    const g = await f.grant(c, { campaignId: spring.id });
    expect(await f.decide(c, { campaignId: spring.id })).toMatchObject({
      allowed: true,
      ledgerEntryIds: [g.id],
    });
    expect((await f.decide(c, { campaignId: autumn.id })).reason).toBe("consent_missing");
    expect((await f.decide(c)).reason).toBe("consent_missing");
    // The campaign's category wins over the caller's label, and its channels bound the send.
    expect((await f.decide(c, { campaignId: autumn.id, category: "transactional" })).reason).toBe(
      "consent_missing",
    );
    expect((await f.decide(c, { campaignId: spring.id, channel: "whatsapp" })).reason).toBe(
      "channel_not_covered",
    );
    const wide = await f.grant(c);
    expect(await f.decide(c, { campaignId: autumn.id })).toMatchObject({
      allowed: true,
      ledgerEntryIds: [wide.id],
    });
  });

  it("follows opt-outs: all stops everything, marketing stops marketing, START restores", async () => {
    const c = await f.contact();
    const g = await f.grant(c);
    const out = await f.tx((t) =>
      recordOptOut(t, {
        workspaceId: f.workspaceId,
        brandId: f.brandA,
        contactId: c,
        scope: "marketing",
        channel: "sms",
        evidence: { method: "natural_language", confidence: 0.97, language: "en" },
        actor: api,
      }),
    );
    expect(out.alreadyOptedOut).toBe(false);
    expect(await f.decide(c)).toEqual({
      allowed: false,
      reason: "opted_out_marketing",
      basis: null,
      ledgerEntryIds: [out.ledgerEntryId],
    });
    expect((await f.decide(c, { category: "transactional" })).allowed).toBe(true);
    const all = await f.tx((t) =>
      recordOptOut(t, {
        workspaceId: f.workspaceId,
        brandId: f.brandA,
        contactId: c,
        scope: "all",
        channel: "whatsapp",
        evidence: { method: "keyword", matched: "stop" },
        actor: api,
      }),
    );
    for (const category of ["marketing", "transactional", "authentication"] as const) {
      expect(await f.decide(c, { category, channel: "telegram" })).toMatchObject({
        allowed: false,
        reason: "opted_out",
        ledgerEntryIds: [all.ledgerEntryId],
      });
    }
    const again = await f.tx((t) =>
      recordOptOut(t, {
        workspaceId: f.workspaceId,
        brandId: f.brandA,
        contactId: c,
        scope: "marketing",
        channel: "sms",
        evidence: { method: "keyword" },
        actor: api,
      }),
    );
    expect(again.alreadyOptedOut).toBe(true);
    const back = await f.tx((t) =>
      recordOptIn(t, {
        workspaceId: f.workspaceId,
        brandId: f.brandA,
        contactId: c,
        channel: "sms",
        evidence: { method: "keyword", matched: "start" },
        actor: api,
      }),
    );
    expect(back.resubscribed).toBe(true);
    // START answers the STOP; the earlier objection to marketing stands until asked for again.
    expect(await f.decide(c)).toMatchObject({ allowed: false, reason: "opted_out_marketing" });
    expect((await f.decide(c, { category: "transactional" })).allowed).toBe(true);
    const backToMarketing = await f.tx((t) =>
      recordOptIn(t, {
        workspaceId: f.workspaceId,
        brandId: f.brandA,
        contactId: c,
        channel: "sms",
        evidence: { method: "keyword", matched: "start" },
        actor: api,
      }),
    );
    expect(backToMarketing.resubscribed).toBe(true);
    expect(await f.decide(c)).toMatchObject({ allowed: true, ledgerEntryIds: [g.id] });
    const noop = await f.tx((t) =>
      recordOptIn(t, {
        workspaceId: f.workspaceId,
        brandId: f.brandA,
        contactId: c,
        channel: "sms",
        evidence: { method: "keyword" },
        actor: api,
      }),
    );
    expect(noop).toEqual({ ledgerEntryId: null, resubscribed: false });
  });

  it("keeps a double opt-in pending until a YES on a covered channel inside the window", async () => {
    const c = await f.contact();
    const t0 = new Date();
    const g = await f.grant(c, { doubleOptIn: { windowHours: 24 }, at: t0 });
    expect(await f.decide(c)).toMatchObject({
      allowed: false,
      reason: "consent_pending",
      ledgerEntryIds: [g.id],
    });
    expect(
      await f.tx((t) =>
        hasPendingDoubleOptIn(t, { workspaceId: f.workspaceId, brandId: f.brandA, contactId: c }),
      ),
    ).toBe(true);
    expect(
      await f.tx((t) =>
        hasPendingDoubleOptIn(t, { workspaceId: f.workspaceId, brandId: f.brandB, contactId: c }),
      ),
    ).toBe(false);
    expect(
      await f.tx((t) =>
        confirmDoubleOptIn(t, {
          workspaceId: f.workspaceId,
          brandId: f.brandA,
          contactId: c,
          channel: "whatsapp",
          actor: api,
        }),
      ),
    ).toEqual({ confirmed: 0 });
    expect(
      await f.tx((t) =>
        confirmDoubleOptIn(t, {
          workspaceId: f.workspaceId,
          brandId: f.brandB,
          contactId: c,
          channel: "sms",
          actor: api,
        }),
      ),
    ).toEqual({ confirmed: 0 });
    expect(
      await f.tx((t) =>
        confirmDoubleOptIn(t, {
          workspaceId: f.workspaceId,
          brandId: f.brandA,
          contactId: c,
          channel: "sms",
          messageId: "msg_1",
          actor: api,
        }),
      ),
    ).toEqual({ confirmed: 1 });
    const d = await f.decide(c);
    expect(d).toMatchObject({ allowed: true, reason: "consent_granted" });
    expect(d.ledgerEntryIds).toHaveLength(2);

    const late = await f.contact();
    await f.grant(late, {
      doubleOptIn: { windowHours: 1 },
      at: new Date(t0.getTime() - 2 * HOUR),
      effectiveAt: new Date(t0.getTime() - 2 * HOUR),
    });
    expect((await f.decide(late)).reason).toBe("consent_expired");
    expect(
      await f.tx((t) =>
        confirmDoubleOptIn(t, {
          workspaceId: f.workspaceId,
          brandId: f.brandA,
          contactId: late,
          channel: "sms",
          actor: api,
        }),
      ),
    ).toEqual({ confirmed: 0 });
  });

  it("expires implied consent (CASL: 6 months after an inquiry) and honours withdrawal", async () => {
    const c = await f.contact();
    const given = new Date("2026-01-10T12:00:00Z");
    const g = await f.grant(c, { implied: "inquiry", effectiveAt: given });
    expect(g.expiresAt?.toISOString()).toBe("2026-07-10T12:00:00.000Z");
    expect((await f.decide(c, { at: new Date("2026-07-01T12:00:00Z") })).allowed).toBe(true);
    expect(await f.decide(c, { at: new Date("2026-07-11T12:00:00Z") })).toMatchObject({
      allowed: false,
      reason: "consent_expired",
      ledgerEntryIds: [g.id],
    });
    // Decisions never look before a grant was given.
    expect((await f.decide(c, { at: new Date("2026-01-01T00:00:00Z") })).reason).toBe("consent_missing");

    const w = await f.contact();
    const wg = await f.grant(w);
    const out = await f.tx((t) =>
      withdrawConsent(t, { workspaceId: f.workspaceId, grantId: wg.id, method: "api", actor: api }),
    );
    expect(await f.decide(w)).toMatchObject({
      allowed: false,
      reason: "consent_revoked",
      ledgerEntryIds: [wg.id, out.withdrawal?.id],
    });
    expect(
      await f.tx((t) =>
        withdrawConsent(t, { workspaceId: f.workspaceId, grantId: wg.id, method: "api", actor: api }),
      ),
    ).toEqual({ withdrawal: null });
  });

  it("counts implied consent in calendar months, never past the end of a shorter month", async () => {
    const inquiry = await f.grant(await f.contact(), {
      implied: "inquiry",
      effectiveAt: new Date("2025-08-31T12:00:00Z"),
    });
    expect(inquiry.expiresAt?.toISOString()).toBe("2026-02-28T12:00:00.000Z");
    const leap = await f.grant(await f.contact(), {
      implied: "purchase",
      effectiveAt: new Date("2024-02-29T12:00:00Z"),
    });
    expect(leap.expiresAt?.toISOString()).toBe("2026-02-28T12:00:00.000Z");
  });

  it("expires implied consent (CASL: 24 months after a purchase), even past a later explicit expiry", async () => {
    const c = await f.contact();
    const bought = new Date("2025-01-15T12:00:00Z");
    const g = await f.grant(c, { implied: "purchase", effectiveAt: bought });
    expect(g.expiresAt?.toISOString()).toBe("2027-01-15T12:00:00.000Z");
    expect(g.evidence).toMatchObject({ implied: "purchase" });
    // Still allowed past the inquiry preset's 6 months and up to the last minute of the 24 months.
    expect(await f.decide(c, { at: new Date("2025-08-01T12:00:00Z") })).toMatchObject({
      allowed: true,
      reason: "consent_granted",
      ledgerEntryIds: [g.id],
    });
    expect(await f.decide(c, { at: new Date("2027-01-15T11:59:00Z") })).toMatchObject({
      allowed: true,
      reason: "consent_granted",
    });
    for (const at of ["2027-01-15T12:00:00Z", "2027-01-16T12:00:00Z", "2028-06-01T00:00:00Z"])
      expect(await f.decide(c, { at: new Date(at) })).toEqual({
        allowed: false,
        reason: "consent_expired",
        basis: null,
        ledgerEntryIds: [g.id],
      });

    // An explicit expiry beyond the preset is cut back to it; an earlier one is kept.
    const later = await f.contact();
    const capped = await f.grant(later, {
      implied: "purchase",
      effectiveAt: bought,
      expiresAt: new Date("2030-01-01T00:00:00Z"),
    });
    expect(capped.expiresAt?.toISOString()).toBe("2027-01-15T12:00:00.000Z");
    expect((await f.decide(later, { at: new Date("2027-02-01T00:00:00Z") })).reason).toBe("consent_expired");
    const sooner = await f.contact();
    const kept = await f.grant(sooner, {
      implied: "purchase",
      effectiveAt: bought,
      expiresAt: new Date("2026-01-15T12:00:00Z"),
    });
    expect(kept.expiresAt?.toISOString()).toBe("2026-01-15T12:00:00.000Z");
    expect((await f.decide(sooner, { at: new Date("2026-02-01T00:00:00Z") })).reason).toBe("consent_expired");
  });

  it("protects minors, restricted and erased contacts", async () => {
    const minor = await f.contact();
    await f.grant(minor);
    const restricted = await f.contact();
    await f.grant(restricted);
    const erased = await f.contact();
    await withSystemTx(s.ctx.db, async (t) => {
      await t.execute(sql`update contacts set minor = true where id = ${minor}`);
      await t.execute(sql`update contacts set restricted_at = now() where id = ${restricted}`);
      await t.execute(sql`update contacts set erased_at = now() where id = ${erased}`);
    });
    expect((await f.decide(minor)).reason).toBe("minor");
    expect((await f.decide(minor, { category: "transactional" })).allowed).toBe(true);
    await expect(f.grant(minor)).rejects.toMatchObject({ code: "unprocessable", field: "contactId" });
    expect((await f.decide(restricted, { category: "transactional" })).reason).toBe("contact_restricted");
    expect((await f.decide(erased, { category: "authentication" })).reason).toBe("contact_erased");
    await expect(f.grant(erased)).rejects.toMatchObject({ code: "unprocessable" });
  });

  it("holds US marketing to the recipient's sending window and says when it opens", async () => {
    const ny = await f.contact("sms", "+12125550199");
    await withSystemTx(s.ctx.db, (t) =>
      t.execute(sql`update contacts set time_zone = 'America/New_York' where id = ${ny}`),
    );
    const since = { effectiveAt: new Date("2025-12-01T00:00:00Z") };
    const g = await f.grant(ny, since);
    const night = new Date("2026-01-15T03:00:00Z"); // 22:00 in New York
    expect(await f.decide(ny, { at: night })).toEqual({
      allowed: false,
      reason: "quiet_hours",
      basis: "consent",
      ledgerEntryIds: [g.id],
      notBefore: new Date("2026-01-15T13:00:00Z"),
    });
    expect((await f.decide(ny, { at: night, category: "transactional" })).allowed).toBe(true);
    expect((await f.decide(ny, { at: new Date("2026-01-15T15:00:00Z") })).allowed).toBe(true);
    // A Miami number (305: Eastern) is held to Florida's 08:00–20:00 in its own zone: 20:30 is too late.
    const fl = await f.contact("sms", "+13055550123");
    await f.grant(fl, since);
    expect(await f.decide(fl, { at: new Date("2026-01-15T01:30:00Z") })).toMatchObject({
      reason: "quiet_hours",
      notBefore: new Date("2026-01-15T13:00:00Z"),
    });
    expect((await f.decide(fl, { at: new Date("2026-01-15T13:00:00Z") })).allowed).toBe(true);
    // The same contact reached on a Los Angeles number (its second) at 17:30 there: the number decides.
    const [toLa, toMiami] = await withSystemTx(s.ctx.db, (t) =>
      decideMany(
        t,
        ["+1 213 555 0147", "+13055550123"].map((recipient) => ({
          workspaceId: f.workspaceId,
          contactId: fl,
          brandId: f.brandA,
          campaignId: null,
          channel: "sms" as const,
          category: "marketing" as const,
          at: new Date("2026-01-15T01:30:00Z"),
          recipient,
        })),
        { lock: "none" },
      ),
    );
    expect(toLa).toMatchObject({ allowed: true, reason: "consent_granted" });
    expect(toMiami).toMatchObject({ reason: "quiet_hours", notBefore: new Date("2026-01-15T13:00:00Z") });
  });

  it("decides a mixed batch across workspaces in one call, in input order", async () => {
    const other = await consentFixture(s);
    const a = await f.contact();
    await f.grant(a);
    const b = await other.contact();
    const at = new Date();
    const base = { campaignId: null, channel: "sms" as const, category: "marketing" as const, at };
    const decisions = await withSystemTx(s.ctx.db, (t) =>
      decideMany(
        t,
        [
          { ...base, workspaceId: f.workspaceId, contactId: a, brandId: f.brandA },
          { ...base, workspaceId: other.workspaceId, contactId: b, brandId: other.brandA },
          { ...base, workspaceId: other.workspaceId, contactId: a, brandId: f.brandA },
          { ...base, workspaceId: f.workspaceId, contactId: a, brandId: f.brandA, category: "transactional" },
          {
            ...base,
            workspaceId: f.workspaceId,
            contactId: "ctc_unknown",
            brandId: f.brandA,
            category: "transactional",
          },
        ],
        { lock: "share" },
      ),
    );
    expect(decisions.map((d) => d.reason)).toEqual([
      "consent_granted",
      "consent_missing",
      "consent_missing",
      "transactional_basis",
      "consent_missing",
    ]);
  });
});
