import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { rows, withSystemTx, withWorkspaceTx } from "../../core/db/tx.js";
import { KeyRing } from "../../core/keyring.js";
import { createApiKey } from "../auth/index.js";
import {
  createWebhookRoutes,
  emitWebhookEvent,
  emitWebhookEvents,
  invalidateWebhookSubscriptions,
} from "./index.js";
import { useWebhookKeyRing } from "./workspace-keys-in-tx.js";

let s: TTestServer;
const fakeDns: Record<string, string[]> = {
  "hooks.public.test": ["93.184.216.34"],
  "sneaky.public.test": ["93.184.216.34", "10.1.2.3"],
  "metadata.public.test": ["169.254.169.254"],
};

beforeAll(async () => {
  s = await createTestServer({
    routes: [
      createWebhookRoutes({
        allowPrivateUrls: false,
        resolveHost: async (host) => {
          const found = fakeDns[host];
          if (!found) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
          return found;
        },
      }),
    ],
  });
});
afterAll(async () => s.close());

const count = async (
  table: "webhook_subscriptions" | "webhook_events" | "webhook_deliveries" | "jobs",
  workspaceId?: string,
) => {
  const found = await withSystemTx(s.ctx.db, (tx) =>
    rows<{ n: number }>(
      tx,
      table === "jobs"
        ? sql`select count(*)::int as n from jobs where name = 'webhooks.deliver' and (${workspaceId ?? null}::text is null or payload->>'workspaceId' = ${workspaceId ?? null})`
        : sql`select count(*)::int as n from ${sql.identifier(table)} where (${workspaceId ?? null}::text is null or workspace_id = ${workspaceId ?? null})`,
    ),
  );
  return found[0]?.n ?? -1;
};

const create = (apiKey: string, payload: unknown, headers: Record<string, string> = {}) =>
  s.app.inject({
    method: "POST",
    url: "/v1/webhooks",
    headers: { ...bearer(apiKey), ...headers },
    payload: payload as object,
  });

describe("webhook subscriptions", () => {
  it("creates a subscription, shows the secret once and stores it sealed", async () => {
    const ws = await s.workspace();
    const r = await create(ws.apiKey, {
      url: "https://hooks.public.test/assent",
      events: ["message.delivered", "message.sent", "message.sent"],
      description: "CRM",
    });
    expect(r.statusCode).toBe(201);
    const body = r.json();
    expect(body.id).toMatch(/^whk_/);
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(body).toMatchObject({
      url: "https://hooks.public.test/assent",
      events: ["message.delivered", "message.sent"],
      description: "CRM",
      enabled: true,
      disabledReason: null,
    });
    const stored = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ secret_sealed: string }>(
        tx,
        sql`select secret_sealed from webhook_subscriptions where id = ${body.id}`,
      ),
    );
    expect(stored[0]?.secret_sealed).toMatch(/^v1\./);
    expect(stored[0]?.secret_sealed).not.toContain(body.secret);
    const idem = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ response: unknown }>(tx, sql`select response from idempotency_keys`),
    );
    expect(JSON.stringify(idem)).not.toContain(body.secret);

    const got = await s.app.inject({
      method: "GET",
      url: `/v1/webhooks/${body.id}`,
      headers: bearer(ws.apiKey),
    });
    expect(got.statusCode).toBe(200);
    expect(got.json().secret).toBeUndefined();
    const { secret: _secret, ...withoutSecret } = body;
    expect(got.json()).toEqual(withoutSecret);

    const audit = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ action: string; details: unknown }>(
        tx,
        sql`select action, details from audit_log where target_id = ${body.id}`,
      ),
    );
    expect(audit.map((a) => a.action)).toEqual(["webhook.created"]);
    expect(JSON.stringify(audit)).not.toContain("hooks.public.test");
  });

  it("lists with a cursor, updates, rotates the secret and deletes", async () => {
    const ws = await s.workspace();
    const a = (await create(ws.apiKey, { url: "https://hooks.public.test/a", events: ["*"] })).json();
    const b = (
      await create(ws.apiKey, { url: "https://hooks.public.test/b", events: ["contact.opted_out", "*"] })
    ).json();
    expect(b.events).toEqual(["*"]);
    const p1 = await s.app.inject({ method: "GET", url: "/v1/webhooks?limit=1", headers: bearer(ws.apiKey) });
    expect(p1.json().data.map((x: { id: string }) => x.id)).toEqual([a.id]);
    const p2 = await s.app.inject({
      method: "GET",
      url: `/v1/webhooks?limit=1&cursor=${p1.json().nextCursor}`,
      headers: bearer(ws.apiKey),
    });
    expect(p2.json()).toMatchObject({ data: [{ id: b.id }], nextCursor: null });

    const patched = await s.app.inject({
      method: "PATCH",
      url: `/v1/webhooks/${a.id}`,
      headers: bearer(ws.apiKey),
      payload: {
        url: "https://hooks.public.test/a2",
        events: ["message.inbound"],
        enabled: false,
        description: null,
      },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      url: "https://hooks.public.test/a2",
      events: ["message.inbound"],
      enabled: false,
      disabledReason: "manual",
      description: null,
    });
    const enabled = await s.app.inject({
      method: "PATCH",
      url: `/v1/webhooks/${a.id}`,
      headers: bearer(ws.apiKey),
      payload: { enabled: true },
    });
    expect(enabled.json()).toMatchObject({ enabled: true, disabledReason: null });

    const rotated = await s.app.inject({
      method: "POST",
      url: `/v1/webhooks/${a.id}/rotate-secret`,
      headers: bearer(ws.apiKey),
    });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().secret).toMatch(/^whsec_/);
    expect(rotated.json().secret).not.toBe(a.secret);
    const prev = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ previous_secret_sealed: string | null; previous_secret_expires_at: unknown }>(
        tx,
        sql`select previous_secret_sealed, previous_secret_expires_at from webhook_subscriptions where id = ${a.id}`,
      ),
    );
    expect(prev[0]?.previous_secret_sealed).toMatch(/^v1\./);
    const expires = new Date(String(prev[0]?.previous_secret_expires_at)).getTime();
    expect(Math.abs(expires - (Date.now() + 86_400_000))).toBeLessThan(60_000);
    const noGrace = await s.app.inject({
      method: "POST",
      url: `/v1/webhooks/${a.id}/rotate-secret`,
      headers: bearer(ws.apiKey),
      payload: { graceSeconds: 0 },
    });
    expect(noGrace.statusCode).toBe(200);

    const del = await s.app.inject({
      method: "DELETE",
      url: `/v1/webhooks/${a.id}`,
      headers: bearer(ws.apiKey),
    });
    expect(del.statusCode).toBe(204);
    expect(
      (await s.app.inject({ method: "GET", url: `/v1/webhooks/${a.id}`, headers: bearer(ws.apiKey) }))
        .statusCode,
    ).toBe(404);
    expect(
      (await s.app.inject({ method: "DELETE", url: `/v1/webhooks/${a.id}`, headers: bearer(ws.apiKey) }))
        .statusCode,
    ).toBe(404);
    const actions = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ action: string }>(tx, sql`select action from audit_log where target_id = ${a.id} order by seq`),
    );
    expect(actions.map((x) => x.action)).toEqual([
      "webhook.created",
      "webhook.updated",
      "webhook.updated",
      "webhook.secret_rotated",
      "webhook.secret_rotated",
      "webhook.deleted",
    ]);
  });

  it("refuses bad URLs with 400 naming url, and writes nothing", async () => {
    const ws = await s.workspace();
    const bad = [
      "not a url",
      "ftp://hooks.public.test/x",
      "file:///etc/passwd",
      "javascript:alert(1)",
      "http://127.0.0.1:8080/x",
      "http://localhost/x",
      "http://LOCALHOST./x",
      "http://app.localhost/x",
      "http://10.0.0.8/x",
      "http://192.168.1.1/",
      "http://172.16.5.4/",
      "http://169.254.169.254/latest/meta-data",
      "http://[::1]/x",
      "http://[::ffff:127.0.0.1]/",
      "http://[fd00::1]/",
      "http://0.0.0.0/",
      "http://2130706433/",
      "http://0x7f.1/",
      "https://user:pw@hooks.public.test/x",
      "http://sneaky.public.test/",
      "http://metadata.public.test/",
      "http://db.internal/",
      "https://",
      `https://hooks.public.test/${"a".repeat(2100)}`,
    ];
    for (const url of bad) {
      const r = await create(ws.apiKey, { url, events: ["message.sent"] });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().error, url).toMatchObject({ code: "validation_failed", field: "url" });
    }
    const sub = (
      await create(ws.apiKey, { url: "https://hooks.public.test/ok", events: ["message.sent"] })
    ).json();
    const patch = await s.app.inject({
      method: "PATCH",
      url: `/v1/webhooks/${sub.id}`,
      headers: bearer(ws.apiKey),
      payload: { url: "http://10.0.0.1/" },
    });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().error.field).toBe("url");
    // A host that does not resolve yet is accepted (each delivery checks the address again).
    expect(
      (await create(ws.apiKey, { url: "https://not-yet.public.test/x", events: ["message.sent"] }))
        .statusCode,
    ).toBe(201);
    expect(await count("webhook_subscriptions", ws.workspaceId)).toBe(2);
    const again = await s.app.inject({
      method: "GET",
      url: `/v1/webhooks/${sub.id}`,
      headers: bearer(ws.apiKey),
    });
    expect(again.json().url).toBe("https://hooks.public.test/ok");
  });

  it("names the field at fault for other bad input", async () => {
    const ws = await s.workspace();
    const cases: [unknown, string][] = [
      [{ url: "https://hooks.public.test/x", events: [] }, "events"],
      [{ url: "https://hooks.public.test/x", events: ["message.exploded"] }, "events[0]"],
      [{ url: "https://hooks.public.test/x" }, "events"],
      [{ events: ["message.sent"] }, "url"],
      [{ url: "https://hooks.public.test/x", events: ["message.sent"], secret: "mine" }, "secret"],
    ];
    for (const [payload, field] of cases) {
      const r = await create(ws.apiKey, payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().error.field, JSON.stringify(payload)).toBe(field);
    }
    const sub = (
      await create(ws.apiKey, { url: "https://hooks.public.test/x", events: ["message.sent"] })
    ).json();
    const empty = await s.app.inject({
      method: "PATCH",
      url: `/v1/webhooks/${sub.id}`,
      headers: bearer(ws.apiKey),
      payload: {},
    });
    expect(empty.statusCode).toBe(400);
    const grace = await s.app.inject({
      method: "POST",
      url: `/v1/webhooks/${sub.id}/rotate-secret`,
      headers: bearer(ws.apiKey),
      payload: { graceSeconds: -1 },
    });
    expect(grace.statusCode).toBe(400);
    expect(grace.json().error.field).toBe("graceSeconds");
    const status = await s.app.inject({
      method: "GET",
      url: `/v1/webhooks/${sub.id}/deliveries?status=lost`,
      headers: bearer(ws.apiKey),
    });
    expect(status.statusCode).toBe(400);
    expect(await count("webhook_subscriptions", ws.workspaceId)).toBe(1);
  });

  it("replays an Idempotency-Key without showing the secret again", async () => {
    const ws = await s.workspace();
    const h = { "idempotency-key": "create-1" };
    const first = await create(
      ws.apiKey,
      { url: "https://hooks.public.test/i", events: ["message.sent"] },
      h,
    );
    const second = await create(
      ws.apiKey,
      { url: "https://hooks.public.test/i", events: ["message.sent"] },
      h,
    );
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.json().id).toBe(first.json().id);
    expect(first.json().secret).toBeTruthy();
    expect(second.json().secret).toBeUndefined();
    expect(await count("webhook_subscriptions", ws.workspaceId)).toBe(1);
  });

  it("answers 404 for another workspace's subscription and deliveries, and changes nothing", async () => {
    const a = await s.workspace("A");
    const b = await s.workspace("B");
    const sub = (
      await create(a.apiKey, { url: "https://hooks.public.test/a", events: ["message.sent"] })
    ).json();
    const delivery = "whd_01aaaaaaaaaaaaaaaaaaaaaaaa";
    const attempts = [
      { method: "GET", url: `/v1/webhooks/${sub.id}` },
      { method: "PATCH", url: `/v1/webhooks/${sub.id}`, payload: { enabled: false } },
      { method: "DELETE", url: `/v1/webhooks/${sub.id}` },
      { method: "POST", url: `/v1/webhooks/${sub.id}/rotate-secret` },
      { method: "GET", url: `/v1/webhooks/${sub.id}/deliveries` },
      { method: "GET", url: `/v1/webhooks/${sub.id}/deliveries/${delivery}` },
      { method: "POST", url: `/v1/webhooks/${sub.id}/deliveries/${delivery}/replay` },
      { method: "GET", url: "/v1/webhooks/whk_nope" },
    ] as const;
    for (const req of attempts) {
      const r = await s.app.inject({ ...req, headers: bearer(b.apiKey) });
      expect(r.statusCode, `${req.method} ${req.url}`).toBe(404);
      expect(r.json().error.code).toBe("not_found");
    }
    const list = await s.app.inject({ method: "GET", url: "/v1/webhooks", headers: bearer(b.apiKey) });
    expect(list.json().data).toEqual([]);
    const still = await s.app.inject({
      method: "GET",
      url: `/v1/webhooks/${sub.id}`,
      headers: bearer(a.apiKey),
    });
    expect(still.json()).toMatchObject({ enabled: true });
  });

  it("describes its routes in the OpenAPI document", async () => {
    const r = await s.app.inject({ method: "GET", url: "/openapi.json" });
    expect(r.statusCode).toBe(200);
    const paths = Object.keys(r.json().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/v1/webhooks",
        "/v1/webhooks/{id}",
        "/v1/webhooks/{id}/rotate-secret",
        "/v1/webhooks/{id}/deliveries",
        "/v1/webhooks/{id}/deliveries/{deliveryId}",
        "/v1/webhooks/{id}/deliveries/{deliveryId}/replay",
      ]),
    );
  });

  it("requires credentials and the webhooks:manage scope", async () => {
    const ws = await s.workspace();
    expect((await s.app.inject({ method: "GET", url: "/v1/webhooks" })).statusCode).toBe(401);
    const limited = await withSystemTx(s.ctx.db, (tx) =>
      createApiKey(tx, {
        workspaceId: ws.workspaceId,
        name: "read-only",
        scopes: ["messages:read"],
        actor: { type: "system", id: null },
      }),
    );
    const r = await s.app.inject({
      method: "POST",
      url: "/v1/webhooks",
      headers: bearer(limited.key),
      payload: { url: "https://hooks.public.test/x", events: ["*"] },
    });
    expect(r.statusCode).toBe(403);
    expect(await count("webhook_subscriptions", ws.workspaceId)).toBe(0);
  });

  it("never answers 5xx to random or malformed bodies, queries and ids", async () => {
    const ws = await s.workspace();
    const sub = (
      await create(ws.apiKey, { url: "https://hooks.public.test/f", events: ["message.sent"] })
    ).json();
    const before = await count("webhook_subscriptions", ws.workspaceId);
    const value = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          url: fc.oneof(
            fc.string(),
            fc.webUrl(),
            fc.constantFrom("http://127.0.0.1/", "http://[::1]/", "https://hooks.public.test/z"),
          ),
          events: fc.oneof(
            fc.array(fc.string()),
            fc.array(fc.constantFrom("message.sent", "*", "contact.opted_in")),
            fc.jsonValue(),
          ),
          description: fc.oneof(fc.string(), fc.jsonValue()),
          enabled: fc.oneof(fc.boolean(), fc.jsonValue()),
          graceSeconds: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ["POST", "/v1/webhooks"],
          ["PATCH", `/v1/webhooks/${sub.id}`],
          ["POST", `/v1/webhooks/${sub.id}/rotate-secret`],
          ["POST", `/v1/webhooks/${sub.id}/deliveries/whd_x/replay`],
          ["PATCH", "/v1/webhooks/%00"],
        ),
        fc.oneof(
          value.map((v) => JSON.stringify(v)),
          fc.string(),
        ),
        async ([method, url], payload) => {
          const r = await s.app.inject({
            method: method as "POST" | "PATCH",
            url,
            payload,
            headers: { ...bearer(ws.apiKey), "content-type": "application/json" },
          });
          expect(r.statusCode, `${method} ${url} ${payload}`).toBeLessThan(500);
        },
      ),
      { numRuns: 100 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), async (q, id) => {
        const paths = [
          `/v1/webhooks?${encodeURIComponent(q)}=${encodeURIComponent(id)}&limit=${encodeURIComponent(q)}`,
          `/v1/webhooks/${encodeURIComponent(id)}`,
          `/v1/webhooks/${sub.id}/deliveries?cursor=${encodeURIComponent(q)}&status=${encodeURIComponent(id)}`,
          `/v1/webhooks/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(q)}`,
        ];
        for (const url of paths) {
          const r = await s.app.inject({ method: "GET", url, headers: bearer(ws.apiKey) });
          expect(r.statusCode, url).toBeLessThan(500);
        }
      }),
      { numRuns: 30 },
    );
    // Random bodies may legitimately create subscriptions (valid ones); none may be half-written.
    const incomplete = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from webhook_subscriptions s where workspace_id = ${ws.workspaceId}
        and (cardinality(s.events) = 0 or not exists (select 1 from audit_log a where a.target_id = s.id and a.action = 'webhook.created'))`,
      ),
    );
    expect(incomplete[0]?.n).toBe(0);
    expect(await count("webhook_subscriptions", ws.workspaceId)).toBeGreaterThanOrEqual(before);
  });
});

describe("emitWebhookEvent(s)", () => {
  it("writes nothing, and runs no statement, for a workspace without subscriptions", async () => {
    const ws = await s.workspace();
    await withWorkspaceTx(s.ctx.db, ws.workspaceId, (tx) =>
      emitWebhookEvent(tx, {
        workspaceId: ws.workspaceId,
        type: "message.sent",
        data: { messageId: "msg_1" },
      }),
    );
    expect(await count("webhook_events", ws.workspaceId)).toBe(0);
    expect(await count("jobs", ws.workspaceId)).toBe(0);
    // The answer is now cached: a transaction that fails on any statement is never touched.
    let statements = 0;
    await withWorkspaceTx(s.ctx.db, ws.workspaceId, async (tx) => {
      const spy = new Proxy(tx, {
        get(target, prop, receiver) {
          if (prop === "execute" || prop === "select" || prop === "insert") statements++;
          return Reflect.get(target, prop, receiver);
        },
      });
      await emitWebhookEvents(spy, [
        { workspaceId: ws.workspaceId, type: "message.sent", data: {} },
        { workspaceId: ws.workspaceId, type: "message.delivered", data: {} },
      ]);
    });
    expect(statements).toBe(0);
  });

  it("creates one delivery per matching subscription, filtered by event type, only if the transaction commits", async () => {
    const ws = await s.workspace();
    const all = (await create(ws.apiKey, { url: "https://hooks.public.test/all", events: ["*"] })).json();
    const sent = (
      await create(ws.apiKey, {
        url: "https://hooks.public.test/sent",
        events: ["message.sent", "message.inbound"],
      })
    ).json();
    const off = (await create(ws.apiKey, { url: "https://hooks.public.test/off", events: ["*"] })).json();
    await s.app.inject({
      method: "PATCH",
      url: `/v1/webhooks/${off.id}`,
      headers: bearer(ws.apiKey),
      payload: { enabled: false },
    });

    await expect(
      withWorkspaceTx(s.ctx.db, ws.workspaceId, async (tx) => {
        await emitWebhookEvent(tx, {
          workspaceId: ws.workspaceId,
          type: "message.sent",
          data: { messageId: "msg_rolled_back" },
        });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await count("webhook_events", ws.workspaceId)).toBe(0);
    expect(await count("webhook_deliveries", ws.workspaceId)).toBe(0);
    expect(await count("jobs", ws.workspaceId)).toBe(0);

    await withWorkspaceTx(s.ctx.db, ws.workspaceId, (tx) =>
      emitWebhookEvents(tx, [
        { workspaceId: ws.workspaceId, type: "message.sent", data: { messageId: "msg_a" } },
        { workspaceId: ws.workspaceId, type: "message.delivered", data: { messageId: "msg_a" } },
        { workspaceId: ws.workspaceId, type: "message.inbound", data: { id: "inb_1", body: "hello there" } },
      ]),
    );
    const deliveries = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ subscription_id: string; event_type: string }>(
        tx,
        sql`select subscription_id, event_type from webhook_deliveries
        where workspace_id = ${ws.workspaceId} order by subscription_id, event_type`,
      ),
    );
    const pairs = deliveries.map(
      (d) =>
        `${d.subscription_id === all.id ? "all" : d.subscription_id === sent.id ? "sent" : "off"}:${d.event_type}`,
    );
    expect(pairs.sort()).toEqual([
      "all:message.delivered",
      "all:message.inbound",
      "all:message.sent",
      "sent:message.inbound",
      "sent:message.sent",
    ]);
    expect(await count("webhook_events", ws.workspaceId)).toBe(3);
    expect(await count("jobs", ws.workspaceId)).toBe(5);
    const sealed = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ data_sealed: string }>(
        tx,
        sql`select data_sealed from webhook_events where workspace_id = ${ws.workspaceId}`,
      ),
    );
    expect(JSON.stringify(sealed)).not.toContain("hello there");
  });

  it("sees a new subscription at once in this process (the cache is invalidated on change)", async () => {
    const ws = await s.workspace();
    const emit = () =>
      withWorkspaceTx(s.ctx.db, ws.workspaceId, (tx) =>
        emitWebhookEvent(tx, { workspaceId: ws.workspaceId, type: "contact.opted_out", data: {} }),
      );
    await emit();
    expect(await count("webhook_events", ws.workspaceId)).toBe(0);
    const sub = (
      await create(ws.apiKey, { url: "https://hooks.public.test/c", events: ["contact.opted_out"] })
    ).json();
    await emit();
    expect(await count("webhook_deliveries", ws.workspaceId)).toBe(1);
    await s.app.inject({ method: "DELETE", url: `/v1/webhooks/${sub.id}`, headers: bearer(ws.apiKey) });
    await emit();
    expect(await count("webhook_deliveries", ws.workspaceId)).toBe(0);
  });

  it("loads a workspace key the ring has not cached inside the caller's transaction, keeping its RLS confinement", async () => {
    const a = await s.workspace("Cold A");
    const other = await s.workspace("Cold B");
    await create(a.apiKey, { url: "https://hooks.public.test/cold", events: ["*"] });
    await create(other.apiKey, { url: "https://hooks.public.test/cold", events: ["*"] });
    const masterKey = s.ctx.config.masterKey;
    if (!masterKey) throw new Error("test server has no master key");
    useWebhookKeyRing(new KeyRing(Buffer.from(masterKey, "base64")));
    invalidateWebhookSubscriptions();
    const seen = await withWorkspaceTx(s.ctx.db, a.workspaceId, async (tx) => {
      await emitWebhookEvent(tx, {
        workspaceId: a.workspaceId,
        type: "message.read",
        data: { messageId: "msg_cold" },
      });
      return rows<{ bypass: string | null; role: string; visible: number }>(
        tx,
        sql`select current_setting('app.bypass_rls', true) as bypass, current_setting('role') as role,
          (select count(*)::int from webhook_subscriptions) as visible`,
      );
    });
    expect(seen[0]?.bypass ?? "").not.toBe("on");
    expect(seen[0]?.role).toBe("assent_app");
    expect(seen[0]?.visible).toBe(1);
    expect(await count("webhook_deliveries", a.workspaceId)).toBe(1);
    useWebhookKeyRing(s.ctx.keys);
  });

  it("refuses an unknown event type (a programming error) and writes nothing", async () => {
    const ws = await s.workspace();
    await expect(
      withWorkspaceTx(s.ctx.db, ws.workspaceId, (tx) =>
        // @ts-expect-error an event type outside the contract
        emitWebhookEvent(tx, { workspaceId: ws.workspaceId, type: "message.exploded", data: {} }),
      ),
    ).rejects.toThrow(/unknown webhook event type/);
  });
});
