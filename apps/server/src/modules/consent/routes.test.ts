import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { rows, withWorkspaceTx } from "../../core/db/tx.js";
import { createApiKey } from "../auth/index.js";
import type { TBootstrapResult } from "../workspaces/index.js";

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

    const proof = await get(ws, `/v1/contacts/${g.contactId}/consent/proof?brandId=${ws.brandId}`);
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
    const csv = await get(ws, `/v1/contacts/${g.contactId}/consent/proof?format=csv`);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.body.split("\r\n")[1]).toContain("198.51.100.4");
    expect(csv.body.trim().split("\r\n")).toHaveLength(4);

    const withdrawn = await post(ws, `/v1/consents/${g.id}/withdraw`, {});
    expect(withdrawn.json()).toMatchObject({ status: "withdrawn", standing: "withdrawn" });
    expect((await ask({ contactId: g.contactId, campaignId: cmp.id })).json().reason).toBe("consent_revoked");
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
    expect(Date.parse(a.json().confirmBy) - Date.now()).toBeGreaterThan(47 * 3_600_000);
    const confirmed = await post(ws, `/v1/consents/${a.json().id}/confirm`, { method: "link" });
    expect(confirmed.json()).toMatchObject({ status: "active" });
    expect(confirmed.json().confirmedEntryId).toMatch(/^cns_/);
    expect((await counts(ws.workspaceId)).consent_ledger).toBe(2);
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
    const wrongCategory = await post(ws, "/v1/consents", { ...base, campaignId: cmp.id });
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
        evidence: fc.oneof(fc.constant({ method: "web_form", source: "s", wording: "w" }), fc.anything()),
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
