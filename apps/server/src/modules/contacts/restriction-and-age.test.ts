import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { withSystemTx } from "../../core/db/tx.js";
import { createApiKey } from "../auth/index.js";
import type { TBootstrapResult } from "../workspaces/index.js";

let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(async () => s.close());

const wording = "Yes, text me offers. Reply STOP to stop.";

function client(ws: TBootstrapResult, key = ws.apiKey) {
  const h = bearer(key);
  return {
    patch: (id: string, payload: object) =>
      s.app.inject({ method: "PATCH", url: `/v1/contacts/${id}`, headers: h, payload }),
    post: (url: string, payload: object) => s.app.inject({ method: "POST", url, headers: h, payload }),
    check: (contactId: string, o: object = {}) =>
      s.app.inject({
        method: "POST",
        url: "/v1/consent/check",
        headers: h,
        payload: { contactId, brandId: ws.brandId, channel: "sms", ...o },
      }),
  };
}

async function grantedContact(ws: TBootstrapResult, address: string): Promise<string> {
  const r = await client(ws).post("/v1/consents", {
    contact: { channel: "sms", address },
    brandId: ws.brandId,
    channels: ["sms"],
    effectiveAt: "2025-01-01T00:00:00Z",
    evidence: { method: "web_form", source: "signup", wording },
  });
  expect(r.statusCode).toBe(201);
  return r.json().contactId;
}

const audit = (workspaceId: string, contactId: string) =>
  s.database.query<{ action: string; details: unknown }>(
    "select action, details from audit_log where workspace_id = $1 and target_id = $2 and action like 'contact.%' order by seq",
    [workspaceId, contactId],
  );

describe("PATCH /v1/contacts/{id}: restriction, age and time zone, as decisions see them", () => {
  it("restricts processing (GDPR Art. 18) for privacy staff only, and a restricted contact gets nothing", async () => {
    const ws = await s.workspace();
    const c = client(ws);
    const id = await grantedContact(ws, "+33612000001");
    expect((await c.check(id)).json().allowed).toBe(true);
    const agent = await withSystemTx(s.ctx.db, (tx) =>
      createApiKey(tx, {
        workspaceId: ws.workspaceId,
        name: "crm",
        scopes: ["contacts:write", "contacts:read", "consent:read"],
        actor: { type: "system", id: null },
      }),
    );
    const before = await audit(ws.workspaceId, id);
    const denied = await client(ws, agent.key).patch(id, { restricted: true });
    expect(denied.statusCode).toBe(403);
    expect(await audit(ws.workspaceId, id)).toEqual(before);
    expect((await c.check(id)).json().allowed).toBe(true);

    const restricted = await c.patch(id, { restricted: true });
    expect(restricted.statusCode).toBe(200);
    expect(restricted.json()).toMatchObject({ id, restricted: true });
    expect((await c.check(id)).json()).toMatchObject({ allowed: false, reason: "contact_restricted" });
    expect((await c.check(id, { category: "transactional" })).json().reason).toBe("contact_restricted");
    const lifted = await c.patch(id, { restricted: false });
    expect(lifted.json().restricted).toBe(false);
    expect((await c.check(id)).json().allowed).toBe(true);
    const events = (await audit(ws.workspaceId, id)).slice(before.length).map((e) => e.action);
    expect(events).toEqual([
      "contact.updated",
      "contact.restricted",
      "contact.updated",
      "contact.restriction_lifted",
    ]);
  });

  it("keeps marketing from contacts under 16, by flag or by birth date, until they turn 16", async () => {
    const ws = await s.workspace();
    const c = client(ws);
    const id = await grantedContact(ws, "+33612000002");
    const today = new Date();
    const fifteen = `${today.getUTCFullYear() - 15}-01-01`;
    const bad = await c.patch(id, { birthDate: "2015-02-30" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("birthDate");
    expect((await c.patch(id, { birthDate: "2999-01-01" })).statusCode).toBe(400);
    const young = await c.patch(id, { birthDate: fifteen });
    expect(young.statusCode).toBe(200);
    expect(young.json()).toMatchObject({ birthDate: fifteen, minor: false });
    expect((await c.check(id)).json()).toMatchObject({ allowed: false, reason: "minor" });
    expect((await c.check(id, { category: "transactional" })).json().allowed).toBe(true);
    // From the 16th birthday (12:00 UTC, when it has begun everywhere) the contact is no longer a minor,
    // but the consent it gave at 15 never permits marketing: a new one is needed.
    const sixteen = `${today.getUTCFullYear() + 1}-01-01`;
    expect((await c.check(id, { at: `${sixteen}T11:59:00Z` })).json().reason).toBe("minor");
    expect((await c.check(id, { at: `${sixteen}T12:00:00Z` })).json()).toMatchObject({
      allowed: false,
      reason: "consent_missing",
    });
    // No new marketing consent can be recorded for a minor.
    const refused = await c.post("/v1/consents", {
      contactId: id,
      brandId: ws.brandId,
      channels: ["sms"],
      evidence: { method: "web_form", source: "signup", wording },
    });
    expect(refused.statusCode).toBe(422);
    expect((await c.patch(id, { birthDate: null })).json().birthDate).toBeNull();
    expect((await c.check(id)).json().allowed).toBe(true);
    expect((await c.patch(id, { minor: true })).json().minor).toBe(true);
    expect((await c.check(id)).json().reason).toBe("minor");
    await c.patch(id, { minor: false });
    expect((await c.check(id)).json().allowed).toBe(true);
    // The birth date is sealed at rest and never in the audit log.
    const [row] = await s.database.query<{ birth_date_sealed: string | null }>(
      "select birth_date_sealed from contacts where id = $1",
      [id],
    );
    expect(row?.birth_date_sealed).toBeNull();
    await c.patch(id, { birthDate: fifteen });
    const [sealed] = await s.database.query<{ birth_date_sealed: string }>(
      "select birth_date_sealed from contacts where id = $1",
      [id],
    );
    expect(sealed?.birth_date_sealed).toMatch(/^v1\./);
    expect(JSON.stringify(await audit(ws.workspaceId, id))).not.toContain(fifteen);
  });

  it("widens the single zone given before to contacts whose area code may span zones (migration 0290)", async () => {
    const ws = await s.workspace();
    const split = await grantedContact(ws, "+1 850 644 1234");
    const plain = await grantedContact(ws, "+1 305 555 0100");
    const zoneOf = async (id: string) =>
      (
        await s.database.query<{ z: string | null }>(
          "select phone_time_zone as z from contacts where id = $1",
          [id],
        )
      )[0]?.z;
    expect(await zoneOf(split)).toBe("America/Chicago America/New_York");
    // As an earlier version stored it: the area code's majority zone alone.
    await s.database.query("update contacts set phone_time_zone = 'America/Chicago' where id = $1", [split]);
    const sql = readFileSync(new URL("./migrations/0290_split_area_code_zones.sql", import.meta.url), "utf8");
    await s.database.exec(`begin;\n${sql}\n;commit;`);
    expect(await zoneOf(split)).toBe("America/Chicago America/New_York");
    expect(await zoneOf(plain)).toBe("America/New_York");
  });

  it("sets the contact's own time zone, which quiet hours use before the number's", async () => {
    const ws = await s.workspace();
    const c = client(ws);
    const id = await grantedContact(ws, "+1 415 555 0100");
    const got = await s.app.inject({ method: "GET", url: `/v1/contacts/${id}`, headers: bearer(ws.apiKey) });
    expect(got.json()).toMatchObject({
      country: "US",
      region: "US-CA",
      inferredTimeZone: "America/Los_Angeles",
      timeZone: null,
    });
    // 21:30 in New York is 18:30 in San Francisco.
    const at = "2026-01-16T02:30:00Z";
    expect((await c.check(id, { at })).json().allowed).toBe(true);
    expect((await c.patch(id, { timeZone: "America/New_York" })).json().timeZone).toBe("America/New_York");
    expect((await c.check(id, { at })).json()).toMatchObject({
      reason: "quiet_hours",
      notBefore: "2026-01-16T13:00:00.000Z",
    });
    expect((await c.patch(id, { timeZone: "Mars/Olympus" })).statusCode).toBe(400);
    await c.patch(id, { timeZone: null });
    expect((await c.check(id, { at })).json().allowed).toBe(true);
  });
});
