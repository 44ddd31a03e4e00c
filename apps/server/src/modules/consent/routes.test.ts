import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { rows, withWorkspaceTx } from "../../core/db/tx.js";
import { createApiKey } from "../auth/index.js";
import type { TBootstrapResult } from "../workspaces/index.js";
import { recordConsent } from "./record-consent.js";
import { verifyConsent } from "./verify-consent.js";

let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(async () => s.close());

const wording = "Yes, send me offers from Acme by SMS. Msg & data rates may apply. Reply STOP to stop.";
const post = (ws: TBootstrapResult, url: string, payload: unknown, headers: Record<string, string> = {}) =>
  s.app.inject({
    method: "POST",
    url,
    headers: { ...bearer(ws.apiKey), ...headers },
    payload: payload as object,
  });
const get = (ws: TBootstrapResult, url: string) =>
  s.app.inject({ method: "GET", url, headers: bearer(ws.apiKey) });

async function counts(workspaceId: string): Promise<Record<string, number>> {
  return withWorkspaceTx(s.ctx.db, workspaceId, async (tx) => {
    const out: Record<string, number> = {};
    for (const t of ["contacts", "consent_ledger", "consent_grants", "campaigns"]) {
      out[t] =
        (await rows<{ n: number }>(tx, sql`select count(*)::int as n from ${sql.identifier(t)}`))[0]?.n ?? -1;
    }
    return out;
  });
}

describe("consent routes", () => {
  it("records consent from a sign-up, decides, opts out, opts back in and proves it all", async () => {
    const ws = await s.workspace();
    const campaign = await post(ws, "/v1/campaigns", {
      brandId: ws.brandId,
      name: "Spring sale",
      category: "marketing",
      channels: ["sms", "whatsapp"],
    });
    expect(campaign.statusCode).toBe(201);
    const cmp = campaign.json();
    const granted = await post(ws, "/v1/consents", {
      contact: { channel: "sms", address: "+33 6 12 34 56 78" },
      brandId: ws.brandId,
      campaignId: cmp.id,
      channels: ["sms"],
      evidence: {
        method: "web_form",
        source: "https://acme.test/signup",
        wording,
        ip: "198.51.100.4",
        userAgent: "Mozilla/5.0",
      },
    });
    expect(granted.statusCode).toBe(201);
    const g = granted.json();
    expect(g).toMatchObject({
      brandId: ws.brandId,
      campaignId: cmp.id,
      category: "marketing",
      status: "active",
      standing: "active",
      basis: "consent",
    });
    expect(g.contactId).toMatch(/^ctc_/);

    const ask = (body: object) =>
      post(ws, "/v1/consent/decisions", {
        brandId: ws.brandId,
        channel: "sms",
        category: "marketing",
        ...body,
      });
    const yes = await ask({ address: "+33612345678", campaignId: cmp.id });
    expect(yes.json()).toEqual({
      allowed: true,
      reason: "consent_granted",
      basis: "consent",
      ledgerEntryIds: [g.id],
      notBefore: null,
      contactId: g.contactId,
    });
    expect(
      (await ask({ contactId: g.contactId, campaignId: cmp.id, channel: "whatsapp" })).json().reason,
    ).toBe("channel_not_covered");
    const stranger = await ask({ address: "+33699999999" });
    expect(stranger.json()).toMatchObject({ allowed: false, reason: "consent_missing", contactId: null });
    expect((await ask({ address: "+33699999999", category: "transactional" })).json()).toMatchObject({
      allowed: true,
      reason: "transactional_basis",
    });

    const out = await post(ws, `/v1/contacts/${g.contactId}/opt-out`, {
      brandId: ws.brandId,
      channel: "sms",
    });
    expect(out.statusCode).toBe(201);
    expect(out.json().alreadyOptedOut).toBe(false);
    expect((await ask({ contactId: g.contactId, campaignId: cmp.id })).json()).toMatchObject({
      allowed: false,
      reason: "opted_out",
      ledgerEntryIds: [out.json().ledgerEntryId],
    });
    const state = await get(ws, `/v1/contacts/${g.contactId}/consent`);
    expect(state.json().optOuts).toEqual([
      { brandId: ws.brandId, scope: "all", ledgerEntryId: out.json().ledgerEntryId },
    ]);
    const back = await post(ws, `/v1/contacts/${g.contactId}/opt-in`, {
      brandId: ws.brandId,
      channel: "sms",
      method: "button",
      source: "preference centre",
    });
    expect(back.json()).toMatchObject({ resubscribed: true });
    expect((await ask({ contactId: g.contactId, campaignId: cmp.id })).json().allowed).toBe(true);

    const page1 = await get(ws, `/v1/contacts/${g.contactId}/consent/ledger?limit=2`);
    expect(page1.json().data.map((e: { kind: string }) => e.kind)).toEqual(["grant", "opt_out"]);
    expect(page1.json().data[0]).not.toHaveProperty("ip");
    const page2 = await get(
      ws,
      `/v1/contacts/${g.contactId}/consent/ledger?limit=2&cursor=${page1.json().nextCursor}`,
    );
    expect(page2.json()).toMatchObject({ data: [{ kind: "opt_in", method: "button" }], nextCursor: null });

    const proof = await get(
      ws,
      `/v1/contacts/${g.contactId}/consent/proof?brandId=${ws.brandId}&includeIdentifiers=true`,
    );
    expect(proof.statusCode).toBe(200);
    expect(proof.json()).toMatchObject({
      format: "assent.consent-proof/1",
      chain: { verified: true, entries: 3 },
      contact: { identities: [{ channel: "sms", address: "+33612345678" }] },
    });
    expect(proof.json().entries[0]).toMatchObject({
      wording,
      ip: "198.51.100.4",
      userAgent: "Mozilla/5.0",
      actorType: "api_key",
    });
    const csv = await get(ws, `/v1/contacts/${g.contactId}/consent/proof?format=csv&includeIdentifiers=true`);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.body.split("\r\n")[1]).toContain("198.51.100.4");
    // Without includeIdentifiers the proof names the contact by id only: no address, IP or user agent.
    const bare = (await get(ws, `/v1/contacts/${g.contactId}/consent/proof`)).json();
    expect(JSON.stringify(bare)).not.toContain("198.51.100.4");
    expect(JSON.stringify(bare)).not.toContain("+33612345678");
    expect(bare.identifiersIncluded).toBe(false);
    expect(csv.body.trim().split("\r\n")).toHaveLength(4);

    const withdrawn = await post(ws, `/v1/consents/${g.id}/withdraw`, {});
    expect(withdrawn.json()).toMatchObject({ status: "withdrawn", standing: "withdrawn" });
    expect((await ask({ contactId: g.contactId, campaignId: cmp.id })).json().reason).toBe("consent_revoked");
  });

  it("lifts one opt-out at a time: a STOP/START leaves an earlier marketing opt-out standing", async () => {
    const ws = await s.workspace();
    const g = (
      await post(ws, "/v1/consents", {
        contact: { channel: "sms", address: "+33612345690" },
        brandId: ws.brandId,
        channels: ["sms", "email"],
        evidence: { method: "web_form", source: "signup", wording },
      })
    ).json();
    const reason = async () =>
      (
        await post(ws, "/v1/consent/decisions", {
          contactId: g.contactId,
          brandId: ws.brandId,
          channel: "sms",
          category: "marketing",
        })
      ).json().reason;
    const optOut = (scope: string, channel: string) =>
      post(ws, `/v1/contacts/${g.contactId}/opt-out`, { brandId: ws.brandId, scope, channel });
    const optIn = (body: object) =>
      post(ws, `/v1/contacts/${g.contactId}/opt-in`, {
        brandId: ws.brandId,
        channel: "sms",
        source: "reply START",
        method: "keyword",
        ...body,
      });
    expect((await optOut("marketing", "email")).statusCode).toBe(201);
    expect((await optOut("all", "sms")).statusCode).toBe(201);
    expect(await reason()).toBe("opted_out");
    // START answers the STOP: the objection to marketing stays.
    expect((await optIn({})).json()).toMatchObject({ resubscribed: true });
    expect(await reason()).toBe("opted_out_marketing");
    // Lifting it takes its own request, naming it.
    expect((await optIn({ scope: "all" })).json()).toMatchObject({ resubscribed: false });
    expect((await optIn({ scope: "marketing", source: "preference centre" })).json()).toMatchObject({
      resubscribed: true,
    });
    expect(await reason()).toBe("consent_granted");
    // Without a source of the person's request: 400 naming it, nothing written.
    await optOut("all", "sms");
    const bare = await post(ws, `/v1/contacts/${g.contactId}/opt-in`, {
      brandId: ws.brandId,
      channel: "sms",
    });
    expect(bare.statusCode).toBe(400);
    expect(bare.json().error.field).toBe("source");
    expect(await reason()).toBe("opted_out");
    const history = (await get(ws, `/v1/contacts/${g.contactId}/consents`)).json().history;
    expect(
      history
        .filter((e: { kind: string }) => e.kind === "opt_in")
        .map((e: { scope: string; source: string }) => [e.scope, e.source]),
    ).toEqual([
      ["all", "reply START"],
      ["marketing", "preference centre"],
    ]);
    expect((await verifyConsent(s.ctx.db, { workspaceId: ws.workspaceId })).ok).toBe(true);
  });

  it("keeps a double opt-in pending until confirmed, and replays an Idempotency-Key", async () => {
    const ws = await s.workspace();
    const body = {
      contact: { channel: "whatsapp", address: "14155552671" },
      brandId: ws.brandId,
      channels: ["whatsapp"],
      evidence: { method: "checkbox", source: "checkout", wording },
      doubleOptIn: {},
    };
    const a = await post(ws, "/v1/consents", body, { "idempotency-key": "signup-1" });
    const b = await post(ws, "/v1/consents", body, { "idempotency-key": "signup-1" });
    expect(a.statusCode).toBe(201);
    expect(b.json()).toEqual(a.json());
    expect(a.json()).toMatchObject({ status: "pending", standing: "pending" });
    // An answer kept before grants listed their excluded campaigns (stored unsealed then) still replays.
    const { excludedCampaigns: _new, ...legacy } = a.json();
    await s.database.query("update idempotency_keys set response = $1::jsonb where key = 'signup-1'", [
      JSON.stringify(legacy),
    ]);
    const old = await post(ws, "/v1/consents", body, { "idempotency-key": "signup-1" });
    expect(old.statusCode).toBe(201);
    expect(old.json()).toEqual(legacy);
    expect(Date.parse(a.json().confirmBy) - Date.now()).toBeGreaterThan(47 * 3_600_000);
    const confirmed = await post(ws, `/v1/consents/${a.json().id}/confirm`, {});
    expect(confirmed.json()).toMatchObject({ status: "active" });
    expect(confirmed.json().confirmedEntryId).toMatch(/^cns_/);
    expect((await counts(ws.workspaceId)).consent_ledger).toBe(2);
    // The brand confirming through the API is recorded as that, not as the contact's click on the link.
    const [entry] = await s.database.query<{ method: string }>(
      "select method from consent_ledger where id = $1",
      [confirmed.json().confirmedEntryId],
    );
    expect(entry?.method).toBe("api");
  });

  it("names the field at fault and writes nothing on bad input", async () => {
    const ws = await s.workspace();
    const other = await s.workspace("Other");
    const base = {
      contact: { channel: "sms", address: "+33612345678" },
      brandId: ws.brandId,
      channels: ["sms"],
      evidence: { method: "web_form", source: "form", wording },
    };
    const cases: [object, number, string][] = [
      [{ ...base, evidence: { method: "web_form", source: "form" } }, 400, "evidence.wording"],
      [{ ...base, channels: [] }, 400, "channels"],
      [{ ...base, contact: { channel: "sms", address: "12" } }, 400, "contact.address"],
      [{ ...base, contactId: "ctc_x" }, 400, "contactId"],
      [{ ...base, brandId: other.brandId }, 404, "brandId"],
      [{ ...base, campaignId: "cmp_nope" }, 404, "campaignId"],
      [{ ...base, effectiveAt: "2999-01-01T00:00:00Z" }, 400, "effectiveAt"],
      [{ ...base, evidence: { ...base.evidence, ip: "not-an-ip" } }, 400, "evidence.ip"],
      [
        { ...base, basis: "contract", implied: "purchase", evidence: { method: "import", source: "crm" } },
        400,
        "implied",
      ],
      [{ ...base, basis: "contract", evidence: { method: "import", source: "crm" } }, 400, "basis"],
    ];
    for (const [payload, status, field] of cases) {
      const r = await post(ws, "/v1/consents", payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(status);
      expect(r.json().error.field, JSON.stringify(payload)).toBe(field);
    }
    const cmp = (
      await post(ws, "/v1/campaigns", {
        brandId: ws.brandId,
        name: "Alerts",
        category: "transactional",
        channels: ["sms"],
      })
    ).json();
    const wrongCategory = await post(ws, "/v1/consents", {
      ...base,
      campaignId: cmp.id,
      category: "marketing",
    });
    expect(wrongCategory.json().error).toMatchObject({ code: "unprocessable", field: "category" });
    const wrongChannel = await post(ws, "/v1/consents", {
      ...base,
      campaignId: cmp.id,
      category: "transactional",
      channels: ["whatsapp"],
    });
    expect(wrongChannel.json().error.field).toBe("channels");
    const dupCampaign = await post(ws, "/v1/campaigns", {
      brandId: ws.brandId,
      name: "Alerts",
      category: "marketing",
      channels: ["sms"],
    });
    expect(dupCampaign.statusCode).toBe(409);
    expect(await counts(ws.workspaceId)).toEqual({
      contacts: 0,
      consent_ledger: 0,
      consent_grants: 0,
      campaigns: 1,
    });
    const badDecision = await post(ws, "/v1/consent/decisions", {
      brandId: ws.brandId,
      channel: "sms",
      category: "marketing",
    });
    expect(badDecision.json().error.field).toBe("contactId");
  });

  it("a grant under a campaign without a category takes the campaign's, in POST /v1/consents and in imports", async () => {
    const ws = await s.workspace();
    const alerts = (
      await post(ws, "/v1/campaigns", {
        brandId: ws.brandId,
        name: "Alerts",
        category: "transactional",
        channels: ["sms"],
      })
    ).json();
    // The issue's request shape: no category.
    const one = await post(ws, "/v1/consents", {
      contact: { channel: "sms", address: "+33612340001" },
      brandId: ws.brandId,
      campaignId: alerts.id,
      channels: ["sms"],
      basis: "contract",
      evidence: { method: "api", source: "crm" },
    });
    expect(one.statusCode, one.body).toBe(201);
    expect(one.json()).toMatchObject({ campaignId: alerts.id, category: "transactional" });
    const imported = await post(ws, "/v1/consents/import", {
      brandId: ws.brandId,
      grant: { campaignId: alerts.id, basis: "contract", method: "api", source: "crm" },
      records: [{ channel: "sms", address: "+33612340002", effectiveAt: "2025-05-01T09:00:00Z" }],
    });
    expect(imported.statusCode, imported.body).toBe(201);
    const state = await s.app.inject({
      method: "GET",
      url: `/v1/contacts/${one.json().contactId}/consents`,
      headers: bearer(ws.apiKey),
    });
    expect(state.json().grants).toEqual([
      expect.objectContaining({ campaignId: alerts.id, category: "transactional" }),
    ]);
    const [grants] = await s.database.query<{ categories: string[] }>(
      "select array_agg(distinct category) as categories from consent_grants where workspace_id = $1",
      [ws.workspaceId],
    );
    expect(grants?.categories).toEqual(["transactional"]);
    // A category given and not the campaign's is still refused, naming it.
    const clash = await post(ws, "/v1/consents/import", {
      brandId: ws.brandId,
      grant: {
        campaignId: alerts.id,
        category: "marketing",
        basis: "contract",
        method: "api",
        source: "crm",
      },
      records: [{ channel: "sms", address: "+33612340003", effectiveAt: "2025-05-01T09:00:00Z" }],
    });
    expect(clash.json().error).toMatchObject({ code: "unprocessable", field: "grant.category" });
  });

  it("answers 404 across workspaces and enforces scopes", async () => {
    const a = await s.workspace("A");
    const b = await s.workspace("B");
    const g = (
      await post(a, "/v1/consents", {
        contact: { channel: "telegram", address: "42" },
        brandId: a.brandId,
        channels: ["telegram"],
        evidence: { method: "button", source: "bot", wording },
      })
    ).json();
    for (const [method, url, payload] of [
      ["GET", `/v1/consents/${g.id}`, undefined],
      ["POST", `/v1/consents/${g.id}/withdraw`, {}],
      ["GET", `/v1/contacts/${g.contactId}/consent`, undefined],
      ["GET", `/v1/contacts/${g.contactId}/consents`, undefined],
      ["GET", `/v1/contacts/${g.contactId}/consent/ledger`, undefined],
      ["GET", `/v1/contacts/${g.contactId}/consent/ledger?brandId=${b.brandId}`, undefined],
      ["GET", `/v1/contacts/ctc_01unknowncontact000000000/consent/ledger`, undefined],
      ["GET", `/v1/contacts/${g.contactId}/consent/proof`, undefined],
      ["POST", `/v1/contacts/${g.contactId}/opt-out`, { brandId: b.brandId, channel: "sms" }],
    ] as const) {
      const r = await s.app.inject({
        method,
        url,
        headers: bearer(b.apiKey),
        ...(payload ? { payload } : {}),
      });
      expect(r.statusCode, `${method} ${url}`).toBe(404);
    }
    const decision = await post(b, "/v1/consent/decisions", {
      contactId: g.contactId,
      brandId: a.brandId,
      channel: "telegram",
      category: "marketing",
    });
    expect(decision.json()).toMatchObject({ allowed: false, reason: "consent_missing" });
    // In its own workspace, a contact with no entries (of a brand, or past the last page) is an empty page.
    const quiet = (
      await post(a, "/v1/contacts", { identities: [{ channel: "telegram", address: "43" }] })
    ).json().id;
    for (const url of [
      `/v1/contacts/${quiet}/consent/ledger`,
      `/v1/contacts/${g.contactId}/consent/ledger?brandId=brd_01otherbrand00000000000000`,
      `/v1/contacts/${g.contactId}/consent/ledger?cursor=99`,
    ]) {
      const r = await get(a, url);
      expect(r.statusCode, url).toBe(200);
      expect(r.json(), url).toEqual({ data: [], nextCursor: null });
    }
    const readOnly = await withWorkspaceTx(s.ctx.db, a.workspaceId, (tx) =>
      createApiKey(tx, {
        workspaceId: a.workspaceId,
        name: "ro",
        scopes: ["consent:read"],
        actor: { type: "system", id: null },
      }),
    );
    const denied = await s.app.inject({
      method: "POST",
      url: `/v1/contacts/${g.contactId}/opt-out`,
      headers: bearer(readOnly.key),
      payload: { brandId: a.brandId, channel: "telegram" },
    });
    expect(denied.statusCode).toBe(403);
    const allowed = await s.app.inject({
      method: "GET",
      url: `/v1/consents/${g.id}`,
      headers: bearer(readOnly.key),
    });
    expect(allowed.statusCode).toBe(200);
  });

  it("imports consents and suppression lists all-or-nothing, never lifting an opt-out", async () => {
    const ws = await s.workspace();
    const minor = await s.app.inject({
      method: "POST",
      url: "/v1/contacts",
      headers: bearer(ws.apiKey),
      payload: { identities: [{ channel: "sms", address: "+33600000003" }], minor: true },
    });
    expect(minor.statusCode).toBe(201);
    const opted = (
      await post(ws, "/v1/consents", {
        contact: { channel: "sms", address: "+33600000002" },
        brandId: ws.brandId,
        channels: ["sms"],
        category: "transactional",
        basis: "contract",
        evidence: { method: "api", source: "crm" },
      })
    ).json();
    await post(ws, `/v1/contacts/${opted.contactId}/opt-out`, { brandId: ws.brandId, channel: "sms" });
    const before = await counts(ws.workspaceId);
    const captured = "2025-05-01T09:00:00Z";
    const bad = await post(ws, "/v1/consents/import", {
      brandId: ws.brandId,
      grant: { source: "old-crm.csv", wording },
      records: [
        { channel: "sms", address: "+33600000001", effectiveAt: captured },
        { channel: "sms", address: "nope", effectiveAt: captured },
      ],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("records[1].address");
    expect(await counts(ws.workspaceId)).toEqual(before);
    // Without its capture time a record has no evidence: every such record is named, nothing is written.
    const undated = await post(ws, "/v1/consents/import", {
      brandId: ws.brandId,
      grant: { source: "old-crm.csv", wording },
      records: [
        { channel: "sms", address: "+33600000001", effectiveAt: captured },
        { channel: "sms", address: "+33600000004" },
        { channel: "sms", address: "+33600000005" },
      ],
    });
    expect(undated.statusCode).toBe(400);
    expect(undated.json().error).toMatchObject({
      field: "records[1].effectiveAt",
      details: {
        problems: [
          { index: 1, field: "records[1].effectiveAt", reason: "the capture time of the consent is missing" },
          { index: 2, field: "records[2].effectiveAt", reason: "the capture time of the consent is missing" },
        ],
      },
    });
    expect(await counts(ws.workspaceId)).toEqual(before);

    const imported = await post(ws, "/v1/consents/import", {
      brandId: ws.brandId,
      grant: { source: "old-crm.csv", wording, wordingVersion: "2024-03" },
      records: [
        { channel: "sms", address: "+33600000001", effectiveAt: "2025-06-01T10:00:00Z", ip: "192.0.2.1" },
        { channel: "sms", address: "+33600000002", effectiveAt: captured },
        { channel: "sms", address: "+33600000003", effectiveAt: captured },
      ],
    });
    expect(imported.statusCode).toBe(201);
    expect(imported.json()).toEqual({
      imported: 2,
      contactsCreated: 1,
      skipped: [{ index: 2, reason: "minor" }],
      alreadyOptedOut: 0,
    });
    const ask = (address: string) =>
      post(ws, "/v1/consent/decisions", {
        address,
        brandId: ws.brandId,
        channel: "sms",
        category: "marketing",
      });
    expect((await ask("+33600000001")).json()).toMatchObject({ allowed: true, reason: "consent_granted" });
    expect((await ask("+33600000002")).json().reason).toBe("opted_out");
    expect((await ask("+33600000003")).json().reason).toBe("minor");
    const ledger = (
      await get(ws, `/v1/contacts/${(await ask("+33600000001")).json().contactId}/consent/ledger`)
    ).json();
    expect(ledger.data[0]).toMatchObject({
      method: "import",
      source: "old-crm.csv",
      effectiveAt: "2025-06-01T10:00:00.000Z",
      evidence: { wordingVersion: "2024-03" },
    });

    const stop = await post(ws, "/v1/consents/import", {
      brandId: ws.brandId,
      optOut: { source: "previous provider STOP list" },
      records: [
        { channel: "sms", address: "+33600000001" },
        { channel: "whatsapp", address: "33600000002" },
      ],
    });
    expect(stop.json()).toEqual({ imported: 2, contactsCreated: 0, skipped: [], alreadyOptedOut: 1 });
    expect((await ask("+33600000001")).json().reason).toBe("opted_out");
  });

  it("revokes a contact's consent by scope through POST /v1/consents, exactly like a withdrawal", async () => {
    const ws = await s.workspace();
    const cmp = (
      await post(ws, "/v1/campaigns", {
        brandId: ws.brandId,
        name: "Autumn",
        category: "marketing",
        channels: ["sms", "whatsapp"],
      })
    ).json();
    const grant = async (body: object) => {
      const r = await post(ws, "/v1/consents", {
        brandId: ws.brandId,
        evidence: { method: "web_form", source: "signup", wording },
        ...body,
      });
      expect(r.statusCode, r.body).toBe(201);
      return r.json();
    };
    const brandWide = await grant({
      contact: { channel: "sms", address: "+33622222222" },
      channels: ["sms", "whatsapp"],
    });
    const contactId: string = brandWide.contactId;
    const forCampaign = await grant({ contactId, campaignId: cmp.id, channels: ["sms"], action: "grant" });
    const byEmail = await grant({ contactId, channels: ["email"] });
    const ask = async (channel: string, campaignId?: string) =>
      (
        await post(ws, "/v1/consent/decisions", {
          contactId,
          brandId: ws.brandId,
          channel,
          category: "marketing",
          ...(campaignId ? { campaignId } : {}),
        })
      ).json();
    const ledgerBefore = (await counts(ws.workspaceId)).consent_ledger ?? -1;

    const revokeEvidence = {
      method: "web_form",
      source: "preference centre",
      wording: "Stop campaign messages",
      confirmationRef: "pref-42",
      ip: "203.0.113.9",
    };
    const campaignRevoke = await post(
      ws,
      "/v1/consents",
      {
        contactId,
        brandId: ws.brandId,
        campaignId: cmp.id,
        channels: ["sms"],
        action: "revoke",
        evidence: revokeEvidence,
      },
      { "idempotency-key": "revoke-1" },
    );
    expect(campaignRevoke.statusCode, campaignRevoke.body).toBe(201);
    const r1 = campaignRevoke.json();
    expect(r1).toMatchObject({
      action: "revoke",
      contactId,
      brandId: ws.brandId,
      campaignId: cmp.id,
      category: null,
      channels: ["sms"],
    });
    expect(r1.withdrawn.map((g: { id: string }) => g.id)).toEqual([forCampaign.id]);
    expect(r1.withdrawn[0]).toMatchObject({ status: "withdrawn", standing: "withdrawn" });
    expect(r1.ledgerEntryIds).toEqual([r1.withdrawn[0].withdrawnEntryId]);
    // The brand-wide grant covered the campaign too: it is narrowed, not withdrawn.
    expect(r1.narrowed.map((g: { id: string }) => g.id)).toEqual([brandWide.id]);
    expect(r1.narrowingEntryIds).toHaveLength(1);
    expect(r1.narrowed[0]).toMatchObject({
      status: "active",
      withdrawnEntryId: null,
      excludedCampaigns: [{ campaignId: cmp.id, channel: "sms", ledgerEntryId: r1.narrowingEntryIds[0] }],
    });
    // The same key replays the answer and writes nothing more; with another body it is a conflict.
    const replay = await post(
      ws,
      "/v1/consents",
      {
        contactId,
        brandId: ws.brandId,
        campaignId: cmp.id,
        channels: ["sms"],
        action: "revoke",
        evidence: revokeEvidence,
      },
      { "idempotency-key": "revoke-1" },
    );
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(r1);
    const reused = await post(
      ws,
      "/v1/consents",
      { contactId, brandId: ws.brandId, channels: ["sms"], action: "revoke", evidence: revokeEvidence },
      { "idempotency-key": "revoke-1" },
    );
    expect(reused.statusCode).toBe(409);
    expect(reused.json().error.code).toBe("idempotency_conflict");
    expect((await counts(ws.workspaceId)).consent_ledger).toBe(ledgerBefore + 2);
    // The campaign is refused on sms, naming both withdrawals; the brand-wide grant still covers the
    // campaign on whatsapp and the brand's other messages on sms.
    expect(await ask("sms", cmp.id)).toMatchObject({
      allowed: false,
      reason: "consent_revoked",
      ledgerEntryIds: [forCampaign.id, r1.ledgerEntryIds[0], brandWide.id, r1.narrowingEntryIds[0]],
    });
    expect(await ask("whatsapp", cmp.id)).toMatchObject({ allowed: true, ledgerEntryIds: [brandWide.id] });
    expect(await ask("sms")).toMatchObject({ allowed: true, ledgerEntryIds: [brandWide.id] });

    // Nothing left in force in that scope: 422, nothing written.
    const again = await post(ws, "/v1/consents", {
      contactId,
      brandId: ws.brandId,
      campaignId: cmp.id,
      channels: ["sms"],
      action: "revoke",
      evidence: revokeEvidence,
    });
    expect(again.statusCode).toBe(422);
    expect(again.json().error).toMatchObject({
      code: "unprocessable",
      field: "channels",
      details: { reason: "nothing_to_revoke" },
    });
    expect((await counts(ws.workspaceId)).consent_ledger).toBe(ledgerBefore + 2);

    // The whole brand on whatsapp: the brand-wide grant is withdrawn whole (sms too); email is untouched.
    const brandRevoke = await post(ws, "/v1/consents", {
      contactId,
      brandId: ws.brandId,
      channels: ["whatsapp"],
      action: "revoke",
      evidence: { method: "keyword", source: "whatsapp reply", channel: "whatsapp" },
    });
    expect(brandRevoke.statusCode, brandRevoke.body).toBe(201);
    expect(brandRevoke.json().withdrawn.map((g: { id: string }) => g.id)).toEqual([brandWide.id]);
    // The campaign on sms stays refused for its withdrawals; whatsapp only has the email grant left.
    expect(await ask("sms", cmp.id)).toMatchObject({
      allowed: false,
      reason: "consent_revoked",
      ledgerEntryIds: [
        forCampaign.id,
        r1.ledgerEntryIds[0],
        brandWide.id,
        r1.narrowingEntryIds[0],
        brandRevoke.json().ledgerEntryIds[0],
      ],
    });
    expect(await ask("whatsapp", cmp.id)).toMatchObject({ allowed: false, reason: "channel_not_covered" });
    expect(await ask("whatsapp")).toMatchObject({ allowed: false, reason: "channel_not_covered" });
    expect(await ask("email")).toMatchObject({ allowed: true, ledgerEntryIds: [byEmail.id] });

    // Ledger, projection and audit, as a withdrawal by id.
    const all = (await get(ws, `/v1/contacts/${contactId}/consents`)).json();
    const withdraws = all.history.filter((e: { kind: string }) => e.kind === "withdraw");
    expect(withdraws).toHaveLength(3);
    expect(withdraws[0]).toMatchObject({
      id: r1.ledgerEntryIds[0],
      refId: forCampaign.id,
      method: "web_form",
      source: "preference centre",
      wording: "Stop campaign messages",
      evidence: { revokeScope: "campaign", revokeChannels: "sms", confirmationRef: "pref-42" },
      actor: { type: "api_key" },
    });
    expect(withdraws[1]).toMatchObject({
      id: r1.narrowingEntryIds[0],
      refId: brandWide.id,
      campaignId: cmp.id,
      channels: ["sms"],
      method: "web_form",
      evidence: { revokeScope: "campaign", revokeChannels: "sms", confirmationRef: "pref-42" },
    });
    expect(withdraws[2]).toMatchObject({
      refId: brandWide.id,
      method: "keyword",
      channel: "whatsapp",
      evidence: { revokeScope: "brand", revokeChannels: "whatsapp" },
    });
    const statuses = Object.fromEntries(
      all.grants.map((g: { id: string; status: string }) => [g.id, g.status]),
    );
    expect(statuses).toEqual({
      [brandWide.id]: "withdrawn",
      [forCampaign.id]: "withdrawn",
      [byEmail.id]: "active",
    });
    const proof = (await get(ws, `/v1/contacts/${contactId}/consent/proof?includeIdentifiers=true`)).json();
    expect(proof.chain).toMatchObject({ verified: true });
    expect(proof.entries.find((e: { id: string }) => e.id === r1.ledgerEntryIds[0])).toMatchObject({
      ip: "203.0.113.9",
    });
    const html = (await get(ws, `/v1/contacts/${contactId}/consent-proof?format=html`)).body;
    expect(html).toContain("Consent withdrawn for one campaign (the brand-wide consent no longer covers it)");
    expect(html).toContain("<th>Channels withdrawn</th><td>sms</td>");
    // The standing of the brand-wide grant (withdrawn whole by now) still names the campaign taken out of it.
    expect(html).toContain(
      `except, withdrawn since:<ul><li><code>${cmp.id}</code> on sms (<code>${r1.narrowingEntryIds[0]}</code>)</li></ul>`,
    );
    expect((await verifyConsent(s.ctx.db, { workspaceId: ws.workspaceId })).ok).toBe(true);
    const audit = (await get(ws, "/v1/audit-events?action=consent.withdraw&limit=200")).json().data;
    expect(audit.map((e: { details: { entryId: string } }) => e.details.entryId).sort()).toEqual(
      withdraws.map((e: { id: string }) => e.id).sort(),
    );
  });

  it("names the field at fault for a revoke and writes nothing", async () => {
    const ws = await s.workspace();
    const other = await s.workspace("Other");
    const g = (
      await post(ws, "/v1/consents", {
        contact: { channel: "sms", address: "+33633333333" },
        brandId: ws.brandId,
        channels: ["sms"],
        evidence: { method: "web_form", source: "signup", wording },
      })
    ).json();
    const base = {
      contactId: g.contactId,
      brandId: ws.brandId,
      channels: ["sms"],
      action: "revoke",
      evidence: { method: "api", source: "crm" },
    };
    const before = await counts(ws.workspaceId);
    const cases: [object, number, string][] = [
      [{ ...base, action: "delete" }, 400, "action"],
      [{ ...base, contactId: undefined }, 400, "contactId"],
      [
        { ...base, contactId: undefined, contact: { channel: "sms", address: "+33633333333" } },
        400,
        "contact",
      ],
      [{ ...base, basis: "consent" }, 400, "basis"],
      [{ ...base, effectiveAt: "2025-01-01T00:00:00Z" }, 400, "effectiveAt"],
      [{ ...base, expiresAt: "2030-01-01T00:00:00Z" }, 400, "expiresAt"],
      [{ ...base, implied: "purchase" }, 400, "implied"],
      [{ ...base, doubleOptIn: {} }, 400, "doubleOptIn"],
      [{ ...base, channels: [] }, 400, "channels"],
      [{ ...base, channels: ["fax"] }, 400, "channels[0]"],
      [{ ...base, evidence: undefined }, 400, "evidence"],
      [{ ...base, evidence: { method: "api" } }, 400, "evidence.source"],
      [{ ...base, evidence: { ...base.evidence, ip: "nope" } }, 400, "evidence.ip"],
      [{ ...base, category: "x" }, 400, "category"],
      [{ ...base, contactId: "ctc_nope" }, 404, "contactId"],
      [{ ...base, contactId: "brd_x" }, 404, "contactId"],
      [{ ...base, brandId: other.brandId }, 404, "brandId"],
      [{ ...base, campaignId: "cmp_nope" }, 404, "campaignId"],
      [{ ...base, category: "transactional" }, 422, "channels"],
      [{ ...base, channels: ["email"] }, 422, "channels"],
    ];
    for (const [payload, status, field] of cases) {
      const r = await post(ws, "/v1/consents", payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(status);
      expect(r.json().error.field, JSON.stringify(payload)).toBe(field);
    }
    expect(await counts(ws.workspaceId)).toEqual(before);
    expect((await get(ws, `/v1/consents/${g.id}`)).json().status).toBe("active");
  });

  it("imports the same people concurrently in opposite orders without deadlocking", async () => {
    const ws = await s.workspace();
    const numbers = Array.from({ length: 60 }, (_, i) => `+336${String(50_000_000 + i)}`);
    const importOf = (list: string[]) =>
      post(ws, "/v1/consents/import", {
        brandId: ws.brandId,
        grant: { source: "old-crm.csv", wording },
        records: list.map((address) => ({ channel: "sms", address, effectiveAt: "2025-05-01T09:00:00Z" })),
      });
    // New contacts (each import creates what the other has not), then the same contacts again.
    for (const round of [0, 1]) {
      const answers = await Promise.all([importOf(numbers), importOf([...numbers].reverse())]);
      expect(
        answers.map((a) => a.statusCode),
        answers.map((a) => a.body).join("\n"),
      ).toEqual([201, 201]);
      expect(answers.map((a) => a.json().imported)).toEqual([60, 60]);
      const created = answers.reduce((n, a) => n + a.json().contactsCreated, 0);
      expect(created, `round ${round}`).toBe(round === 0 ? 60 : 0);
    }
    expect((await counts(ws.workspaceId)).contacts).toBe(60);
    expect((await counts(ws.workspaceId)).consent_grants).toBe(240);
  });

  it("takes a confirmation reference as evidence, instead of the wording only for confirmation methods", async () => {
    const ws = await s.workspace();
    const base = {
      contact: { channel: "sms", address: "+33644444444" },
      brandId: ws.brandId,
      channels: ["sms"],
    };
    const before = await counts(ws.workspaceId);
    for (const evidence of [
      { method: "web_form", source: "signup", confirmationRef: "ref-1" },
      { method: "double_opt_in", source: "sms reply", confirmationRef: "  " },
      { method: "api", source: "crm", confirmationRef: "x".repeat(201), wording },
    ]) {
      const r = await post(ws, "/v1/consents", { ...base, evidence });
      expect(r.statusCode, JSON.stringify(evidence)).toBe(400);
      expect(r.json().error.field, JSON.stringify(evidence)).toBe(
        evidence.wording ? "evidence.confirmationRef" : "evidence.wording",
      );
    }
    expect(await counts(ws.workspaceId)).toEqual(before);
    const withWording = await post(ws, "/v1/consents", {
      ...base,
      evidence: { method: "web_form", source: "signup", wording, confirmationRef: "form-7" },
    });
    expect(withWording.statusCode).toBe(201);
    const ids: string[] = [withWording.json().id];
    for (const method of ["double_opt_in", "paper", "import"]) {
      const r = await post(ws, "/v1/consents", {
        ...base,
        evidence: { method, source: "elsewhere", confirmationRef: `conf-${method}` },
      });
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json()).toMatchObject({ status: "active", basis: "consent", category: "marketing" });
      ids.push(r.json().id);
    }
    const history = (await get(ws, `/v1/contacts/${withWording.json().contactId}/consents`)).json().history;
    expect(history.map((e: { id: string }) => e.id)).toEqual(ids);
    expect(
      history.map((e: { evidence: { confirmationRef?: string } }) => e.evidence.confirmationRef),
    ).toEqual(["form-7", "conf-double_opt_in", "conf-paper", "conf-import"]);
    expect(history[1].wording).toBeNull();
  });

  it("takes a confirmation reference instead of the wording in imports and recordConsent alike", async () => {
    const ws = await s.workspace();
    const before = await counts(ws.workspaceId);
    const importOne = (grant: object, record: object) =>
      post(ws, "/v1/consents/import", {
        brandId: ws.brandId,
        grant: { source: "old-crm.csv", ...grant },
        records: [
          { channel: "sms", address: "+33644444455", effectiveAt: "2025-05-01T09:00:00Z", ...record },
        ],
      });
    // As POST /v1/consents refuses it: a web form's consent needs the wording it showed.
    for (const [grant, record] of [
      [{}, { method: "web_form", confirmationRef: "ref-1" }],
      [{ method: "checkbox" }, { confirmationRef: "ref-1" }],
      [{}, { method: "double_opt_in", confirmationRef: "  " }],
    ] as const) {
      const r = await importOne(grant, record);
      expect(r.statusCode, JSON.stringify(record)).toBe(400);
      expect(r.json().error.field).toBe("records[0].wording");
    }
    expect(await counts(ws.workspaceId)).toEqual(before);
    for (const [grant, record] of [
      [{}, { confirmationRef: "row-12" }],
      [{}, { method: "double_opt_in", confirmationRef: "YES 8812" }],
      [{ method: "paper" }, { confirmationRef: "form-3" }],
      [{ wording }, { method: "web_form", confirmationRef: "ref-1" }],
    ] as const) {
      const r = await importOne(grant, record);
      expect(r.statusCode, r.body).toBe(201);
    }
    // recordConsent itself holds the same rule, for every caller.
    const contactId = (
      await post(ws, "/v1/consent/check", { to: "+33644444455", brandId: ws.brandId, channel: "sms" })
    ).json().contactId as string;
    const direct = (method: "web_form" | "double_opt_in") =>
      withWorkspaceTx(s.ctx.db, ws.workspaceId, async (tx) => {
        const keys = await s.ctx.keys.forWorkspace(s.ctx.db, ws.workspaceId);
        return recordConsent(tx, keys, {
          workspaceId: ws.workspaceId,
          contactId,
          brandId: ws.brandId,
          category: "marketing",
          channels: ["sms"],
          evidence: { method, source: "partner", confirmationRef: "ref-9" },
          actor: { type: "system", id: null },
        });
      });
    await expect(direct("web_form")).rejects.toMatchObject({
      code: "validation_failed",
      field: "evidence.wording",
    });
    await expect(direct("double_opt_in")).resolves.toMatchObject({ kind: "grant" });
  });

  it("names an import's own fields when a grant's shared options are refused", async () => {
    const ws = await s.workspace();
    const before = await counts(ws.workspaceId);
    const records = [
      { channel: "sms", address: "+33644444466", effectiveAt: "2025-01-01T00:00:00Z" },
      { channel: "sms", address: "+33644444467", effectiveAt: "2025-06-01T00:00:00Z" },
    ];
    for (const [grant, field] of [
      [{ wording, expiresAt: "2025-03-01T00:00:00Z" }, "grant.expiresAt"],
      [{ basis: "legitimate_interest", implied: "purchase" }, "grant.implied"],
      [{ basis: "contract" }, "grant.basis"],
    ] as const) {
      const r = await post(ws, "/v1/consents/import", {
        brandId: ws.brandId,
        grant: { source: "old-crm.csv", ...grant },
        records,
      });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().error.field).toBe(field);
    }
    // The expiry is after the first record's capture time but not the second's: the message says which.
    const late = await post(ws, "/v1/consents/import", {
      brandId: ws.brandId,
      grant: { source: "old-crm.csv", wording, expiresAt: "2025-03-01T00:00:00Z" },
      records,
    });
    expect(late.json().error.message).toContain("record 1");
    expect(await counts(ws.workspaceId)).toEqual(before);
  });

  it("refuses dates before the year 1900 (Postgres has no year 0), naming the field", async () => {
    const ws = await s.workspace();
    const before = await counts(ws.workspaceId);
    const grant = (o: object) =>
      post(ws, "/v1/consents", {
        contact: { channel: "sms", address: "+33644444477" },
        brandId: ws.brandId,
        channels: ["sms"],
        evidence: { method: "web_form", source: "signup", wording },
        ...o,
      });
    for (const [o, field] of [
      [{ effectiveAt: "0000-01-01T00:00:00Z" }, "effectiveAt"],
      [{ effectiveAt: "1899-12-31T23:59:59Z" }, "effectiveAt"],
      [{ expiresAt: "0000-06-01T00:00:00+02:00" }, "expiresAt"],
    ] as const) {
      const r = await grant(o);
      expect(r.statusCode, JSON.stringify(o)).toBe(400);
      expect(r.json().error.field).toBe(field);
    }
    for (const [grant, effectiveAt, field] of [
      [{}, "0000-01-01T00:00:00Z", "records[0].effectiveAt"],
      [{ expiresAt: "0000-01-01T00:00:00Z" }, "2025-01-01T00:00:00Z", "grant.expiresAt"],
    ] as const) {
      const imported = await post(ws, "/v1/consents/import", {
        brandId: ws.brandId,
        grant: { source: "old-crm.csv", wording, ...grant },
        records: [{ channel: "sms", address: "+33644444477", effectiveAt }],
      });
      expect(imported.statusCode).toBe(400);
      expect(imported.json().error.field).toBe(field);
    }
    for (const url of ["/v1/consent/check", "/v1/consent/decisions"]) {
      const r = await post(ws, url, {
        ...(url.endsWith("check")
          ? { to: "+33644444477" }
          : { address: "+33644444477", category: "marketing" }),
        brandId: ws.brandId,
        channel: "sms",
        at: "0000-01-01T00:00:00Z",
      });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().error.field, url).toBe("at");
    }
    expect(await counts(ws.workspaceId)).toEqual(before);
    expect((await grant({ effectiveAt: "1900-01-01T00:00:00Z" })).statusCode).toBe(201);
  });

  it("answers GET /v1/contacts/{id}/consents with the state per scope and the full history", async () => {
    const ws = await s.workspace();
    const brand2 = (
      await s.app.inject({
        method: "POST",
        url: "/v1/brands",
        headers: bearer(ws.apiKey),
        payload: { name: "Second brand" },
      })
    ).json();
    const g = (
      await post(ws, "/v1/consents", {
        contact: { channel: "sms", address: "+33655555555" },
        brandId: ws.brandId,
        channels: ["sms"],
        evidence: { method: "web_form", source: "signup", wording },
      })
    ).json();
    const contactId: string = g.contactId;
    const other = (
      await post(ws, "/v1/consents", {
        contactId,
        brandId: brand2.id,
        channels: ["sms"],
        evidence: { method: "web_form", source: "signup", wording },
      })
    ).json();
    const out = (
      await post(ws, `/v1/contacts/${contactId}/opt-out`, {
        brandId: ws.brandId,
        channel: "sms",
        scope: "marketing",
      })
    ).json();
    await post(ws, `/v1/consents/${other.id}/withdraw`, {});
    // More entries than one page of the ledger route, to show the answer is the whole history.
    for (let i = 0; i < 3; i += 1) {
      await post(ws, `/v1/contacts/${contactId}/opt-in`, {
        brandId: ws.brandId,
        channel: "sms",
        source: "support ticket 12",
      });
      await post(ws, `/v1/contacts/${contactId}/opt-out`, {
        brandId: ws.brandId,
        channel: "sms",
        scope: "marketing",
      });
    }
    const r = await get(ws, `/v1/contacts/${contactId}/consents`);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    const state = (await get(ws, `/v1/contacts/${contactId}/consent`)).json();
    expect({ contactId: body.contactId, grants: body.grants, optOuts: body.optOuts }).toEqual(state);
    const ledger: { seq: number }[] = [];
    for (let cursor: string | null = ""; cursor !== null; ) {
      const page: { data: { seq: number }[]; nextCursor: string | null } = (
        await get(ws, `/v1/contacts/${contactId}/consent/ledger?limit=2${cursor ? `&cursor=${cursor}` : ""}`)
      ).json();
      ledger.push(...page.data);
      cursor = page.nextCursor;
    }
    expect(ledger).toHaveLength(10);
    expect(body.history).toEqual(ledger);
    expect(body.history.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(body.grants.map((x: { id: string; status: string }) => [x.id, x.status]).sort()).toEqual(
      [
        [g.id, "active"],
        [other.id, "withdrawn"],
      ].sort(),
    );
    expect(body.optOuts).toHaveLength(1);
    expect(body.optOuts[0]).toMatchObject({ brandId: ws.brandId, scope: "marketing" });
    expect(body.history.some((e: { id: string }) => e.id === out.ledgerEntryId)).toBe(true);

    const one = (await get(ws, `/v1/contacts/${contactId}/consents?brandId=${brand2.id}`)).json();
    expect(one.grants.map((x: { id: string }) => x.id)).toEqual([other.id]);
    expect(one.optOuts).toEqual([]);
    expect(one.history.map((e: { kind: string }) => e.kind)).toEqual(["grant", "withdraw"]);
    expect(one.history.every((e: { brandId: string }) => e.brandId === brand2.id)).toBe(true);
    expect(one.history[0]).not.toHaveProperty("ip");

    const stranger = await s.workspace("Stranger");
    for (const url of [
      `/v1/contacts/${contactId}/consents`,
      "/v1/contacts/ctc_nope/consents",
      "/v1/contacts/x/consents",
    ]) {
      expect((await get(stranger, url)).statusCode, url).toBe(404);
    }
    expect((await get(ws, `/v1/contacts/${contactId}/consents?brandId=%00`)).statusCode).toBe(400);
    expect(
      (await s.app.inject({ method: "GET", url: `/v1/contacts/${contactId}/consents` })).statusCode,
    ).toBe(401);
  });

  it("serves the proof at the issue's path /consent-proof with the older path's parameters", async () => {
    const ws = await s.workspace();
    const g = (
      await post(ws, "/v1/consents", {
        contact: { channel: "sms", address: "+33666666666" },
        brandId: ws.brandId,
        channels: ["sms"],
        evidence: { method: "web_form", source: "signup", wording },
      })
    ).json();
    const older = (await get(ws, `/v1/contacts/${g.contactId}/consent/proof?brandId=${ws.brandId}`)).json();
    const issue = await get(
      ws,
      `/v1/contacts/${g.contactId}/consent-proof?brandId=${ws.brandId}&format=json`,
    );
    expect(issue.statusCode).toBe(200);
    expect(issue.json()).toMatchObject({ format: older.format, chain: older.chain, brandId: ws.brandId });
    expect(issue.json().entries.map((e: { hash: string }) => e.hash)).toEqual(
      older.entries.map((e: { hash: string }) => e.hash),
    );
    const csv = await get(ws, `/v1/contacts/${g.contactId}/consent-proof?format=csv`);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.body).toContain(g.id);
  });

  it("never answers 5xx to random bodies", async () => {
    const ws = await s.workspace();
    const g = (
      await post(ws, "/v1/consents", {
        contact: { channel: "sms", address: "+33611111111" },
        brandId: ws.brandId,
        channels: ["sms"],
        evidence: { method: "web_form", source: "f", wording },
      })
    ).json();
    const routes = [
      "/v1/consents",
      `/v1/consents/${g.id}/confirm`,
      `/v1/consents/${g.id}/withdraw`,
      `/v1/contacts/${g.contactId}/opt-out`,
      `/v1/contacts/${g.contactId}/opt-in`,
      "/v1/consent/decisions",
      "/v1/campaigns",
      "/v1/consents/import",
    ];
    const near = fc.record(
      {
        contactId: fc.oneof(fc.constant(g.contactId), fc.string()),
        contact: fc.anything(),
        brandId: fc.oneof(fc.constant(ws.brandId), fc.string()),
        channel: fc.constantFrom("sms", "whatsapp", "fax"),
        channels: fc.oneof(fc.constant(["sms"]), fc.anything()),
        category: fc.constantFrom("marketing", "transactional", "x"),
        evidence: fc.oneof(
          fc.constant({ method: "web_form", source: "s", wording: "w" }),
          fc.constant({ method: "double_opt_in", source: "s", confirmationRef: "c" }),
          fc.anything(),
        ),
        address: fc.string(),
        at: fc.oneof(
          fc.string(),
          fc.date().map((d) => (Number.isNaN(d.getTime()) ? "x" : d.toISOString())),
        ),
        scope: fc.string(),
        name: fc.string(),
        effectiveAt: fc.string(),
        doubleOptIn: fc.anything(),
        campaignId: fc.string(),
        action: fc.constantFrom("grant", "revoke", "x"),
        basis: fc.constantFrom("consent", "contract", "x"),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.oneof(near, fc.anything()), async (url, payload) => {
        const r = await s.app.inject({
          method: "POST",
          url,
          headers: { ...bearer(ws.apiKey), "content-type": "application/json" },
          payload: JSON.stringify(payload) ?? "null",
        });
        expect(r.statusCode, `${url} ${r.body}`).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });
});
