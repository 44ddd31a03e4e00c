import { Writable } from "node:stream";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { rows, withWorkspaceTx } from "../../core/db/tx.js";
import { KeyRing } from "../../core/keyring.js";
import { createBrand, type TBootstrapResult } from "../workspaces/index.js";
import { IDENTITY_KEY_NAME } from "./consent-key-rings.js";
import { getOptOutPropensity } from "./get-opt-out-propensity.js";
import { initConsent } from "./init-consent.js";
import { recordOptOut } from "./record-opt-out.js";

let s: TTestServer;
/** Everything the app logs, at every level, with the access log on as `npm start` has it. */
const logLines: string[] = [];
beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString("utf8"));
      done();
    },
  });
  s = await createTestServer({ log: { destination: sink }, logRequests: true });
});
afterAll(async () => s?.close());

const PHONE = "+1 212 555 0142";
const E164 = "+12125550142";
const wording = "Yes, text me offers. Reply STOP to stop.";
const call = (ws: TBootstrapResult, method: "GET" | "POST", url: string, payload?: object) =>
  s.app.inject({ method, url, headers: bearer(ws.apiKey), ...(payload ? { payload } : {}) });

async function contactIn(ws: TBootstrapResult): Promise<string> {
  const r = await call(ws, "POST", "/v1/contacts", { identities: [{ channel: "sms", address: PHONE }] });
  expect(r.statusCode).toBe(201);
  return r.json().id;
}

async function brandsOf(ws: TBootstrapResult, names: string[]): Promise<{ id: string; name: string }[]> {
  return withWorkspaceTx(s.ctx.db, ws.workspaceId, async (tx) => {
    const out = [];
    for (const name of names)
      out.push(
        await createBrand(tx, { workspaceId: ws.workspaceId, name, actor: { type: "system", id: null } }),
      );
    return out.map((b) => ({ id: b.id, name: b.name }));
  });
}

async function propensity(ws: TBootstrapResult, contactId: string, at = new Date()): Promise<number> {
  const keys = await s.ctx.keys.forWorkspace(s.ctx.db, ws.workspaceId);
  const identityKey = await s.ctx.keys.platformKey(s.ctx.db, IDENTITY_KEY_NAME);
  return withWorkspaceTx(s.ctx.db, ws.workspaceId, (tx) =>
    getOptOutPropensity(tx, keys, identityKey, { workspaceId: ws.workspaceId, contactId, at }),
  );
}

describe("cross-brand opt-out signal", () => {
  it("counts the brands one number opted out of, across workspaces, and grants or refuses nothing", async () => {
    const asking = await s.workspace("Asking");
    const b = await s.workspace("Other B");
    const c = await s.workspace("Other C");
    const others = [
      {
        ws: b,
        brands: [{ id: b.brandId, name: "Test" }, ...(await brandsOf(b, ["Bravo Shoes", "Bravo Tea"]))],
      },
      { ws: c, brands: [{ id: c.brandId, name: "Test" }, ...(await brandsOf(c, ["Charlie Cars"]))] },
    ];
    const me = await contactIn(asking);
    for (const o of others) {
      const id = await contactIn(o.ws);
      for (const brand of o.brands) {
        const r = await call(o.ws, "POST", `/v1/contacts/${id}/opt-out`, {
          brandId: brand.id,
          channel: "sms",
        });
        expect(r.statusCode).toBe(201);
      }
    }
    expect(await propensity(asking, me)).toBe(5);
    // Score 5 and no consent: still refused. The score is a number and nothing else.
    const refused = await call(asking, "POST", "/v1/consent/check", {
      contactId: me,
      brandId: asking.brandId,
      channel: "sms",
    });
    expect(refused.json()).toEqual({
      allowed: false,
      reason: "consent_missing",
      basis: null,
      ledgerEntryIds: [],
      notBefore: null,
      contactId: me,
      signals: { optOutPropensity: 5 },
    });
    // With consent: still allowed. The same answer for a number nobody here has (by address).
    const g = await call(asking, "POST", "/v1/consents", {
      contactId: me,
      brandId: asking.brandId,
      channels: ["sms"],
      effectiveAt: "2025-01-01T00:00:00Z",
      evidence: { method: "web_form", source: "signup", wording },
    });
    expect(g.statusCode).toBe(201);
    const allowed = await call(asking, "POST", "/v1/consent/check", {
      to: PHONE,
      brandId: asking.brandId,
      channel: "sms",
      at: "2026-01-15T18:00:00Z",
    });
    expect(allowed.json()).toMatchObject({
      allowed: true,
      reason: "consent_granted",
      signals: { optOutPropensity: 5 },
    });
    // A workspace that does not hold the number learns nothing about it (see the test below).
    const stranger = await s.workspace("Stranger");
    const unknown = await call(stranger, "POST", "/v1/consent/check", {
      to: PHONE,
      brandId: stranger.brandId,
      channel: "sms",
    });
    expect(unknown.json()).toMatchObject({
      allowed: false,
      contactId: null,
      signals: { optOutPropensity: 0 },
    });

    // Kept in the same transaction: an opt-in lowers it, an opt-out rolled back leaves nothing.
    const bContact = (
      await call(b, "GET", `/v1/contacts?channel=sms&address=${encodeURIComponent(PHONE)}`)
    ).json().data[0].id;
    await call(b, "POST", `/v1/contacts/${bContact}/opt-in`, {
      brandId: b.brandId,
      channel: "sms",
      source: "support ticket 12",
    });
    expect(await propensity(asking, me)).toBe(4);
    // The brand counts while any opt-out from it stands: a marketing one, then a STOP and its START.
    const optOutB = (scope: string) =>
      call(b, "POST", `/v1/contacts/${bContact}/opt-out`, { brandId: b.brandId, scope, channel: "sms" });
    const optInB = (body: object) =>
      call(b, "POST", `/v1/contacts/${bContact}/opt-in`, {
        brandId: b.brandId,
        channel: "sms",
        source: "reply",
        ...body,
      });
    await optOutB("marketing");
    expect(await propensity(asking, me)).toBe(5);
    await optOutB("all");
    await optInB({});
    expect(await propensity(asking, me)).toBe(5);
    await optInB({ scope: "marketing" });
    expect(await propensity(asking, me)).toBe(4);
    const extra = (await brandsOf(b, ["Bravo Bikes"]))[0];
    await expect(
      withWorkspaceTx(s.ctx.db, b.workspaceId, async (tx) => {
        await recordOptOut(tx, {
          workspaceId: b.workspaceId,
          brandId: extra?.id ?? "",
          contactId: bContact,
          scope: "all",
          channel: "sms",
          evidence: { method: "api" },
          actor: { type: "system", id: null },
        });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await propensity(asking, me)).toBe(4);
    // Only the last 12 months count.
    expect(await propensity(asking, me, new Date(Date.now() + 366 * 86_400_000))).toBe(0);

    // It reveals nothing: no answer, proof or audit event of the asking workspace names another brand or
    // workspace, and the signal table holds hashes only.
    const secrets = [
      b.workspaceId,
      c.workspaceId,
      ...others.flatMap((o) => o.brands.flatMap((x) => [x.id, ...(x.name === "Test" ? [] : [x.name])])),
    ];
    const seen = [
      refused.body,
      allowed.body,
      unknown.body,
      (await call(asking, "GET", `/v1/contacts/${me}/consent`)).body,
      (await call(asking, "GET", `/v1/contacts/${me}/consent-proof?format=json`)).body,
      (await call(asking, "GET", `/v1/contacts/${me}/consent-proof?format=html`)).body,
      JSON.stringify(
        await s.database.query("select * from audit_log where workspace_id = $1", [asking.workspaceId]),
      ),
    ].join("\n");
    for (const secret of secrets) expect(seen).not.toContain(secret);
    const columns = await s.database.query<{ column_name: string }>(
      "select column_name from information_schema.columns where table_name = 'consent_identity_signals' order by ordinal_position",
    );
    expect(columns.map((x) => x.column_name)).toEqual([
      "identity_hash",
      "brand_hash",
      "opted_out_at",
      "updated_at",
    ]);
    const stored = JSON.stringify(await s.database.query("select * from consent_identity_signals"));
    for (const secret of [...secrets, asking.workspaceId, asking.brandId, E164, E164.slice(1)])
      expect(stored).not.toContain(secret);
    const hashes = await s.database.query<{ identity_hash: string; brand_hash: string }>(
      "select identity_hash, brand_hash from consent_identity_signals",
    );
    expect(hashes.length).toBeGreaterThanOrEqual(5);
    for (const h of hashes) {
      expect(h.identity_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(h.brand_hash).toMatch(/^[0-9a-f]{64}$/);
    }

    // Nor does the log: not the number in any spelling, not the hashes, not the other brands or workspaces.
    // (The log was written: every request above has its access-log line.)
    const logged = logLines.join("");
    expect(logged).toContain("/v1/consent/check");
    const decoded = logLines
      .map((l) => {
        try {
          return decodeURIComponent(l);
        } catch {
          return l;
        }
      })
      .join("");
    const digits = E164.slice(2); // 2125550142
    for (const text of [logged, decoded, decoded.replace(/[\s().-]/g, "")]) {
      for (const secret of [
        PHONE,
        E164,
        digits,
        encodeURIComponent(PHONE),
        encodeURIComponent(E164),
        ...secrets,
        ...hashes.flatMap((h) => [h.identity_hash, h.brand_hash]),
      ])
        expect(text).not.toContain(secret);
    }
  });

  it("tells a workspace nothing about a number none of its contacts holds", async () => {
    const probed = "+1 212 555 0143";
    const control = "+1 212 555 0144";
    const other = await s.workspace("Other");
    const [extra] = await brandsOf(other, ["Other Shoes"]);
    const held = (
      await call(other, "POST", "/v1/contacts", { identities: [{ channel: "sms", address: probed }] })
    ).json().id;
    for (const brandId of [other.brandId, extra?.id ?? ""]) {
      const r = await call(other, "POST", `/v1/contacts/${held}/opt-out`, { brandId, channel: "sms" });
      expect(r.statusCode).toBe(201);
    }
    expect(await propensity(other, held)).toBe(2);

    const prober = await s.workspace("Prober");
    const ask = (to: string, body: object = {}) =>
      call(prober, "POST", "/v1/consent/check", { to, brandId: prober.brandId, channel: "sms", ...body });
    // Every spelling and channel, cold and warm: the answer is the one for a number that never opted out.
    for (const [to, body] of [
      [probed, {}],
      ["+12125550143", {}],
      ["12125550143", { channel: "whatsapp" }],
      ["+1 (212) 555-0143", { channel: "voice", category: "transactional" }],
      [probed, {}],
    ] as const) {
      const [a, b] = [await ask(to, body), await ask(to.replace("0143", "0144"), body)];
      expect(a.statusCode).toBe(200);
      expect(a.json()).toMatchObject({ contactId: null, signals: { optOutPropensity: 0 } });
      expect(a.body).toBe(b.body);
    }
    expect((await ask(control)).json().signals).toEqual({ optOutPropensity: 0 });
    // Nor by contact id: another workspace's contact is nobody here.
    expect(await propensity(prober, held)).toBe(0);
    const byId = await call(prober, "POST", "/v1/consent/check", {
      contactId: held,
      brandId: prober.brandId,
      channel: "sms",
    });
    expect(byId.json().signals).toEqual({ optOutPropensity: 0 });

    // Once the workspace holds the number as a contact of its own, the signal counts for it.
    const mine = (
      await call(prober, "POST", "/v1/contacts", { identities: [{ channel: "sms", address: probed }] })
    ).json().id;
    expect(await propensity(prober, mine)).toBe(2);
    expect((await ask(probed)).json()).toMatchObject({ contactId: mine, signals: { optOutPropensity: 2 } });
  });

  it("is kept by a process that has not met the workspace yet, inside the writer's own transaction", async () => {
    const ws = await s.workspace();
    const id = await contactIn(ws);
    // A worker process: a key ring of its own that holds no key yet, registered as initConsent does.
    const ring = new KeyRing(Buffer.from(s.ctx.config.masterKey ?? "", "base64"));
    initConsent({ keys: ring });
    const settings = await withWorkspaceTx(s.ctx.db, ws.workspaceId, async (tx) => {
      await recordOptOut(tx, {
        workspaceId: ws.workspaceId,
        brandId: ws.brandId,
        contactId: id,
        scope: "all",
        channel: "sms",
        evidence: { method: "keyword", matched: "STOP" },
        actor: { type: "contact", id },
      });
      // The ring read the keys in a savepoint; the transaction is still confined to its workspace.
      return rows<{ role: string; ws: string; bypass: string | null }>(
        tx,
        sql`select current_user as role, current_setting('app.workspace_id', true) as ws,
          current_setting('app.bypass_rls', true) as bypass`,
      );
    });
    expect(settings[0]).toMatchObject({ role: "assent_app", ws: ws.workspaceId });
    expect(settings[0]?.bypass ?? "").not.toBe("on");
    initConsent(s.ctx);
    expect(await propensity(ws, id)).toBeGreaterThanOrEqual(1);
  });
});
