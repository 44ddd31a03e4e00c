import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { withSystemTx } from "../../core/db/tx.js";
import { allRoutes } from "../../http/routes.js";
import { createApiKey } from "../auth/index.js";
import type { TBootstrapResult } from "../workspaces/index.js";
import { decideMany } from "./decide-many.js";
import { consentRoutes, createConsentRoutes } from "./routes.js";

/** A long cache bound, so that a change made behind the cache's back stays invisible to it in this test. */
const TTL = 60_000;
const SETTLE = 50;
let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer({
    routes: allRoutes.map((r) =>
      r === consentRoutes
        ? createConsentRoutes({ decisionCacheTtlMs: TTL, decisionCacheSettleMs: SETTLE })
        : r,
    ),
  });
});
afterAll(async () => s.close());

const wording = "Yes, text me offers from Acme. Msg & data rates may apply. Reply STOP to stop.";
const post = (ws: TBootstrapResult, url: string, payload: unknown) =>
  s.app.inject({ method: "POST", url, headers: bearer(ws.apiKey), payload: payload as object });
const check = (ws: TBootstrapResult, body: object) =>
  post(ws, "/v1/consent/check", { brandId: ws.brandId, channel: "sms", ...body });

async function granted(ws: TBootstrapResult, address: string, o: object = {}) {
  const r = await post(ws, "/v1/consents", {
    contact: { channel: "sms", address },
    brandId: ws.brandId,
    channels: ["sms"],
    effectiveAt: "2025-01-01T00:00:00Z",
    evidence: { method: "web_form", source: "https://acme.test/signup", wording },
    ...o,
  });
  expect(r.statusCode).toBe(201);
  return r.json() as { id: string; contactId: string };
}

describe("POST /v1/consent/check", () => {
  it("answers allowed, reason, basis, ledger entries and signals, by contact id or by address", async () => {
    const ws = await s.workspace();
    const g = await granted(ws, "+33 6 12 34 56 78");
    const byId = await check(ws, { contactId: g.contactId });
    expect(byId.statusCode).toBe(200);
    expect(byId.json()).toEqual({
      allowed: true,
      reason: "consent_granted",
      basis: "consent",
      ledgerEntryIds: [g.id],
      notBefore: null,
      contactId: g.contactId,
      signals: { optOutPropensity: 0 },
    });
    // Every field is there, notBefore as null (the answer is written as text: see checkJsonText).
    expect(byId.body).toContain('"notBefore":null');
    expect(byId.headers["x-content-type-options"]).toBe("nosniff");
    expect((await check(ws, { to: "+33612345678" })).json()).toEqual(byId.json());
    // No category: a campaign's own, else marketing (the strictest).
    expect((await check(ws, { to: "+33699999999" })).json()).toMatchObject({
      allowed: false,
      reason: "consent_missing",
      contactId: null,
    });
    expect((await check(ws, { to: "+33699999999", category: "transactional" })).json()).toMatchObject({
      allowed: true,
      reason: "transactional_basis",
      basis: "contract",
    });
    const receipts = await post(ws, "/v1/campaigns", {
      brandId: ws.brandId,
      name: "Receipts",
      category: "transactional",
      channels: ["sms"],
    });
    expect((await check(ws, { to: "+33699999999", campaignId: receipts.json().id })).json().reason).toBe(
      "transactional_basis",
    );
    // The older spelling answers the same decision in its own shape.
    const old = await post(ws, "/v1/consent/decisions", {
      address: "+33612345678",
      brandId: ws.brandId,
      channel: "sms",
      category: "marketing",
    });
    expect(old.json()).toEqual({
      allowed: true,
      reason: "consent_granted",
      basis: "consent",
      ledgerEntryIds: [g.id],
      notBefore: null,
      contactId: g.contactId,
    });
  });

  it("refuses bad input with the field, and tells nothing across workspaces", async () => {
    const ws = await s.workspace();
    const other = await s.workspace();
    const g = await granted(other, "+33611110000");
    const bad = await check(ws, { to: "not a number" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: "invalid_address", field: "to" });
    const both = await check(ws, { to: "+33611110000", contactId: g.contactId });
    expect(both.json().error.field).toBe("contactId");
    expect((await check(ws, { channel: "fax", contactId: g.contactId })).json().error.field).toBe("channel");
    // Another workspace's contact is nobody here.
    expect((await check(ws, { contactId: g.contactId })).json()).toMatchObject({
      allowed: false,
      reason: "consent_missing",
    });
    // The same text asked about in two workspaces, alternately: each workspace gets its own answer.
    for (let i = 0; i < 2; i++) {
      expect((await check(other, { to: "+33611110000" })).json().contactId).toBe(g.contactId);
      expect((await check(ws, { to: "+33611110000" })).json().contactId).toBeNull();
    }
    const readOnly = await withSystemTx(s.ctx.db, (tx) =>
      createApiKey(tx, {
        workspaceId: ws.workspaceId,
        name: "sender",
        scopes: ["messages:send"],
        actor: { type: "system", id: null },
      }),
    );
    const denied = await s.app.inject({
      method: "POST",
      url: "/v1/consent/check",
      headers: bearer(readOnly.key),
      payload: { to: "+33611110000", brandId: ws.brandId, channel: "sms" },
    });
    expect(denied.statusCode).toBe(403);
  });

  it("sees this process's own writes at once", async () => {
    const ws = await s.workspace();
    const g = await granted(ws, "+33622220000");
    expect((await check(ws, { contactId: g.contactId })).json().allowed).toBe(true);
    const out = await post(ws, `/v1/contacts/${g.contactId}/opt-out`, {
      brandId: ws.brandId,
      channel: "sms",
    });
    expect((await check(ws, { contactId: g.contactId })).json()).toMatchObject({
      allowed: false,
      reason: "opted_out",
      ledgerEntryIds: [out.json().ledgerEntryId],
    });
    await post(ws, `/v1/contacts/${g.contactId}/opt-in`, {
      brandId: ws.brandId,
      channel: "sms",
      source: "support ticket 12",
    });
    expect((await check(ws, { contactId: g.contactId })).json().allowed).toBe(true);
    // A number first checked as nobody's, then signed up, is found at once.
    expect((await check(ws, { to: "+33622220001" })).json().contactId).toBeNull();
    const later = await granted(ws, "+33622220001");
    expect((await check(ws, { to: "+33622220001" })).json()).toMatchObject({
      allowed: true,
      contactId: later.contactId,
    });
  });

  it("is advisory: a change made elsewhere waits for the TTL, while the dispatcher decides on the database", async () => {
    const ws = await s.workspace();
    const g = await granted(ws, "+33633330000");
    const input = {
      workspaceId: ws.workspaceId,
      contactId: g.contactId,
      brandId: ws.brandId,
      campaignId: null,
      channel: "sms" as const,
      category: "marketing" as const,
      at: new Date(),
    };
    // Once the grant has settled, the check caches the contact.
    await new Promise((r) => setTimeout(r, SETTLE + 20));
    expect((await check(ws, { contactId: g.contactId })).json().allowed).toBe(true);
    // Another process restricts the contact: nothing in this process hears of it.
    await s.database.query("update contacts set restricted_at = now() where id = $1", [g.contactId]);
    // The advisory check still answers from its cache (at most TTL old)…
    expect((await check(ws, { contactId: g.contactId })).json().allowed).toBe(true);
    // …while the dispatcher's decision, with or without the share lock, reads the database.
    const dispatch = await withSystemTx(s.ctx.db, (tx) => decideMany(tx, [input], { lock: "share" }));
    expect(dispatch[0]?.reason).toBe("contact_restricted");
    const unlocked = await withSystemTx(s.ctx.db, (tx) => decideMany(tx, [input], { lock: "none" }));
    expect(unlocked[0]?.reason).toBe("contact_restricted");
    // A restriction made through this process is seen by the check at once.
    await s.database.query("update contacts set restricted_at = null where id = $1", [g.contactId]);
    const restrict = await s.app.inject({
      method: "PATCH",
      url: `/v1/contacts/${g.contactId}`,
      headers: bearer(ws.apiKey),
      payload: { restricted: true },
    });
    expect(restrict.statusCode).toBe(200);
    expect((await check(ws, { contactId: g.contactId })).json().reason).toBe("contact_restricted");
  });

  it("hears of changes committed by other processes through the change feed, not before they commit", async () => {
    const ws = await s.workspace();
    const g = await granted(ws, "+33644440000");
    await new Promise((r) => setTimeout(r, SETTLE + 20));
    expect((await check(ws, { contactId: g.contactId })).json().allowed).toBe(true);
    const payload = `${ws.workspaceId} ${g.contactId}`;
    // Another process restricts the contact and notifies, but rolls back: nothing changes.
    await s.database.exec(`begin; update contacts set restricted_at = now() where id = '${g.contactId}';
      select pg_notify('assent_contact_changes', '${payload}'); rollback;`);
    await new Promise((r) => setTimeout(r, 100));
    expect((await check(ws, { contactId: g.contactId })).json().allowed).toBe(true);
    // The same, committed (on Postgres through another connection than the listener's).
    await s.database.exec(`begin; update contacts set restricted_at = now() where id = '${g.contactId}';
      select pg_notify('assent_contact_changes', '${payload}'); commit;`);
    let reason = "";
    for (let i = 0; i < 50 && reason !== "contact_restricted"; i++) {
      reason = (await check(ws, { contactId: g.contactId })).json().reason;
      if (reason !== "contact_restricted") await new Promise((r) => setTimeout(r, 20));
    }
    expect(reason).toBe("contact_restricted");
  });

  it("holds marketing to quiet hours in the recipient's local time, by area code", async () => {
    const ws = await s.workspace();
    const at = (iso: string) => ({ at: iso });
    const ny = await granted(ws, "+1 212 555 0101");
    // 21:30 in New York (EST, January): quiet until 08:00 New York time.
    expect(
      (await check(ws, { contactId: ny.contactId, ...at("2026-01-16T02:30:00Z") })).json(),
    ).toMatchObject({
      allowed: false,
      reason: "quiet_hours",
      notBefore: "2026-01-16T13:00:00.000Z",
    });
    expect((await check(ws, { contactId: ny.contactId, ...at("2026-01-16T01:30:00Z") })).json().allowed).toBe(
      true,
    );
    expect(
      (
        await check(ws, { contactId: ny.contactId, category: "transactional", ...at("2026-01-16T02:30:00Z") })
      ).json().allowed,
    ).toBe(true);
    // Florida (305, Eastern), Maryland (410) and Oklahoma (405, Central): 08:00–20:00, so 20:30 is quiet.
    for (const [number, evening, opens] of [
      ["+1 305 555 0101", "2026-01-16T01:30:00Z", "2026-01-16T13:00:00.000Z"],
      ["+1 410 555 0101", "2026-01-16T01:30:00Z", "2026-01-16T13:00:00.000Z"],
      ["+1 405 555 0101", "2026-01-16T02:30:00Z", "2026-01-16T14:00:00.000Z"],
    ] as const) {
      const c = await granted(ws, number);
      expect((await check(ws, { contactId: c.contactId, at: evening })).json(), number).toMatchObject({
        reason: "quiet_hours",
        notBefore: opens,
      });
      const hourBefore = new Date(Date.parse(evening) - 3_600_000).toISOString();
      expect((await check(ws, { contactId: c.contactId, at: hourBefore })).json().allowed, number).toBe(true);
    }
    // The contact's own time zone wins over the area code.
    const moved = await s.app.inject({
      method: "PATCH",
      url: `/v1/contacts/${ny.contactId}`,
      headers: bearer(ws.apiKey),
      payload: { timeZone: "America/Los_Angeles" },
    });
    expect(moved.statusCode).toBe(200);
    expect((await check(ws, { contactId: ny.contactId, ...at("2026-01-16T02:30:00Z") })).json().allowed).toBe(
      true,
    );
    // An unknown area code keeps the conservative rule: inside the window in every US zone.
    const unknown = await granted(ws, "+1 521 234 5678");
    expect(
      (await check(ws, { contactId: unknown.contactId, ...at("2026-01-15T17:00:00Z") })).json(),
    ).toMatchObject({ reason: "quiet_hours", notBefore: "2026-01-15T18:00:00.000Z" });
  });

  it("holds a number whose area code spans zones to the window in each zone, by contact and by address", async () => {
    const ws = await s.workspace();
    for (const [number, late, opens, zones] of [
      // 20:30 in Tallahassee (850 is Eastern and Central): after Florida's 20:00.
      [
        "+1 850 644 1234",
        "2026-12-02T01:30:00Z",
        "2026-12-02T14:00:00.000Z",
        ["America/Chicago", "America/New_York"],
      ],
      // 07:30 in Evansville (812 is Eastern and Central).
      [
        "+1 812 424 1234",
        "2026-12-02T13:30:00Z",
        "2026-12-02T14:00:00.000Z",
        ["America/Indiana/Indianapolis", "America/Chicago"],
      ],
      // 07:30 Pacific, in the panhandle (208 is Mountain and Pacific).
      [
        "+1 208 345 1234",
        "2026-12-02T15:30:00Z",
        "2026-12-02T16:00:00.000Z",
        ["America/Boise", "America/Los_Angeles"],
      ],
    ] as const) {
      const c = await granted(ws, number);
      for (const by of [{ contactId: c.contactId }, { to: number }]) {
        expect((await check(ws, { ...by, at: late })).json(), number).toMatchObject({
          allowed: false,
          reason: "quiet_hours",
          notBefore: opens,
        });
        expect((await check(ws, { ...by, at: opens })).json().allowed, number).toBe(true);
      }
      const contact = await s.app.inject({
        method: "GET",
        url: `/v1/contacts/${c.contactId}`,
        headers: bearer(ws.apiKey),
      });
      expect(contact.json(), number).toMatchObject({
        timeZone: null,
        inferredTimeZone: zones[0],
        inferredTimeZones: zones,
      });
    }
  });

  it("never answers 5xx to random bodies", async () => {
    const ws = await s.workspace();
    const g = await granted(ws, "+33644440000");
    const near = fc.record(
      {
        contactId: fc.oneof(fc.constant(g.contactId), fc.string()),
        to: fc.oneof(fc.constant("+33644440000"), fc.string()),
        brandId: fc.oneof(fc.constant(ws.brandId), fc.string()),
        campaignId: fc.string(),
        channel: fc.constantFrom("sms", "whatsapp", "email", "fax"),
        category: fc.constantFrom("marketing", "transactional", "x"),
        at: fc.oneof(
          fc.string(),
          fc.date().map((d) => (Number.isNaN(d.getTime()) ? "x" : d.toISOString())),
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/v1/consent/check", "/v1/consent/decisions"),
        fc.oneof(near, fc.anything()),
        async (url, payload) => {
          const r = await s.app.inject({
            method: "POST",
            url,
            headers: { ...bearer(ws.apiKey), "content-type": "application/json" },
            payload: JSON.stringify(payload) ?? "null",
          });
          expect(r.statusCode, `${url} ${r.body}`).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    // Checking never creates anything.
    const [n] = await s.database.query<{ n: number }>(
      "select count(*)::int as n from contacts where workspace_id = $1",
      [ws.workspaceId],
    );
    expect(n?.n).toBe(1);
  });
});
