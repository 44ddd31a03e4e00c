import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { authenticateApiKey } from "./authenticate-api-key.js";

let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(async () => s.close());

describe("API keys", () => {
  it("shows the secret once, stores only its hash, and lists without secrets", async () => {
    const ws = await s.workspace();
    const r = await s.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: bearer(ws.apiKey),
      payload: { name: "ci", scopes: ["brands:read"] },
    });
    expect(r.statusCode).toBe(201);
    const { key, id } = r.json();
    expect(key).toMatch(/^ask_/);
    const stored = await s.database.query<{ secret_hash: string }>(
      "select secret_hash from api_keys where id = $1",
      [id],
    );
    expect(stored[0]?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0]?.secret_hash).not.toContain(key.slice(4));
    const list = await s.app.inject({ method: "GET", url: "/v1/api-keys", headers: bearer(ws.apiKey) });
    expect(JSON.stringify(list.json())).not.toContain(key);
    expect(list.json().data.find((k: { id: string }) => k.id === id)).toMatchObject({
      name: "ci",
      scopes: ["brands:read"],
    });
  });

  it("enforces scopes: a key without brands:write cannot create a brand", async () => {
    const ws = await s.workspace();
    const r = await s.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: bearer(ws.apiKey),
      payload: { name: "ro", scopes: ["brands:read"] },
    });
    const ro = r.json().key;
    expect((await s.app.inject({ method: "GET", url: "/v1/brands", headers: bearer(ro) })).statusCode).toBe(
      200,
    );
    const denied = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: bearer(ro),
      payload: { name: "x" },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe("forbidden");
    // Member management is not a machine scope at all.
    const bad = await s.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: bearer(ws.apiKey),
      payload: { name: "x", scopes: ["members:manage"] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("scopes[0]");
    // A key that may manage keys cannot mint one with more than it has.
    const mgr = await s.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: bearer(ws.apiKey),
      payload: { name: "m", scopes: ["api_keys:manage", "brands:read"] },
    });
    const up = await s.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: bearer(mgr.json().key),
      payload: { name: "x", scopes: ["brands:write"] },
    });
    expect(up.statusCode).toBe(403);
    expect(up.json().error.field).toBe("scopes");
    const sub = await s.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: bearer(mgr.json().key),
      payload: { name: "x", scopes: ["brands:read"] },
    });
    expect(sub.statusCode).toBe(201);
  });

  it("revocation takes effect at once; expired keys are refused; revoke across workspaces is 404", async () => {
    const ws = await s.workspace();
    const other = await s.workspace("Other");
    const r = await s.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: bearer(ws.apiKey),
      payload: { name: "tmp", scopes: ["brands:read"] },
    });
    const { key, id } = r.json();
    expect((await s.app.inject({ method: "GET", url: "/v1/brands", headers: bearer(key) })).statusCode).toBe(
      200,
    );
    const cross = await s.app.inject({
      method: "DELETE",
      url: `/v1/api-keys/${id}`,
      headers: bearer(other.apiKey),
    });
    expect(cross.statusCode).toBe(404);
    const del = await s.app.inject({
      method: "DELETE",
      url: `/v1/api-keys/${id}`,
      headers: bearer(ws.apiKey),
    });
    expect(del.statusCode).toBe(204);
    expect((await s.app.inject({ method: "GET", url: "/v1/brands", headers: bearer(key) })).statusCode).toBe(
      401,
    );

    const past = new Date(Date.now() + 1500).toISOString();
    const e = await s.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: bearer(ws.apiKey),
      payload: { name: "short", scopes: ["brands:read"], expiresAt: past },
    });
    expect(
      (await s.app.inject({ method: "GET", url: "/v1/brands", headers: bearer(e.json().key) })).statusCode,
    ).toBe(200);
    await new Promise((r2) => setTimeout(r2, 1700));
    expect(
      (await s.app.inject({ method: "GET", url: "/v1/brands", headers: bearer(e.json().key) })).statusCode,
    ).toBe(401);
  });

  it("reads an uncached key once for many concurrent callers, then answers from the cache", async () => {
    const ws = await s.workspace();
    const created = await s.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: bearer(ws.apiKey),
      payload: { name: "burst", scopes: ["consent:read"] },
    });
    expect(created.statusCode).toBe(201);
    const token: string = created.json().key;
    const now = new Date();
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => authenticateApiKey(s.ctx.db, token, now)),
    );
    // One read: every caller got the principal that read built.
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toMatchObject({
      kind: "api_key",
      workspaceId: ws.workspaceId,
      scopes: ["consent:read"],
    });
    // Cached now: answered without a promise.
    expect(authenticateApiKey(s.ctx.db, token, now)).toBe(answers[0]);
  });
});
