import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { TRouteModule } from "../src/http/app.js";
import { authorize } from "../src/http/auth.js";
import {
  apiKeyScopes,
  permissions,
  rolePermissions,
  roles,
  type TPermission,
  type TRole,
} from "../src/modules/auth/index.js";
import { createAuthTestServer, type TAuthTestServer } from "../src/modules/auth/testing/auth-test-server.js";
import type { TBootstrapResult } from "../src/modules/workspaces/index.js";

/**
 * One representative route per permission: a real route that requires exactly that permission, sent
 * with a body that passes validation (so authorisation, not validation, decides). Routes of modules not
 * mounted yet are skipped; every permission is also checked through a probe route that calls the same
 * `authorize()`, so the matrix is proven whatever is mounted.
 */
interface TProbe {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** The route as mounted (`/v1/contacts/:id`). */
  url: string;
  /** The URL requested, when it differs (an id that does not exist: allowed means 404, not 403). */
  path?: string;
  body?: () => Record<string, unknown>;
}
const noContact = "ctc_00000000000000000000000000";
const representative: Record<TPermission, TProbe[]> = {
  "workspace:read": [{ method: "GET", url: "/v1/workspace" }],
  "workspace:manage": [{ method: "PATCH", url: "/v1/workspace", body: () => ({ name: "Matrix" }) }],
  "members:manage": [
    { method: "GET", url: "/v1/members" },
    { method: "GET", url: "/v1/members/invitations" },
  ],
  "api_keys:manage": [{ method: "GET", url: "/v1/api-keys" }],
  "brands:read": [{ method: "GET", url: "/v1/brands" }],
  "brands:write": [
    { method: "POST", url: "/v1/brands", body: () => ({ name: `b-${randomBytes(6).toString("hex")}` }) },
  ],
  "audit:read": [
    { method: "GET", url: "/v1/audit-events" },
    { method: "GET", url: "/v1/audit-events/verify" },
  ],
  "contacts:read": [
    { method: "GET", url: "/v1/contacts" },
    { method: "GET", url: "/v1/contacts/:id", path: `/v1/contacts/${noContact}` },
  ],
  "messages:read": [{ method: "GET", url: "/v1/messages" }],
  "webhooks:manage": [{ method: "GET", url: "/v1/webhooks" }],
  "contacts:write": [
    {
      method: "PATCH",
      url: "/v1/contacts/:id",
      path: `/v1/contacts/${noContact}`,
      body: () => ({ displayName: "M" }),
    },
  ],
  "consent:read": [
    { method: "GET", url: "/v1/contacts/:id/consent", path: `/v1/contacts/${noContact}/consent` },
    { method: "GET", url: "/v1/consents/:id", path: "/v1/consents/cns_00000000000000000000000000" },
  ],
  "consent:write": [],
  "messages:send": [],
  "campaigns:write": [],
  "channels:manage": [],
  "privacy:admin": [],
};

const probeRoutes: TRouteModule = (app) => {
  app.get(
    "/__matrix/:permission",
    { schema: { hide: true, params: z.object({ permission: z.enum(permissions) }) } },
    async (request) => {
      authorize(request, request.params.permission);
      return { ok: true };
    },
  );
};

let s: TAuthTestServer;
let ws: TBootstrapResult;
const sessions = new Map<TRole, Record<string, string>>();
const mounted = new Map<TPermission, TProbe[]>();

beforeAll(async () => {
  s = await createAuthTestServer({ extraRoutes: [probeRoutes] });
  ws = await s.workspace("Matrix");
  const owner = await s.signIn({ email: ws.user.email, password: ws.user.password });
  sessions.set("owner", owner.headers);
  for (const role of roles) if (role !== "owner") sessions.set(role, (await s.member(ws, role)).headers);
  for (const p of permissions) {
    mounted.set(p, [
      ...representative[p].filter((r) => s.app.hasRoute({ method: r.method, url: r.url })),
      { method: "GET", url: `/__matrix/${p}` },
    ]);
  }
});
afterAll(async () => s.close());

async function statusOf(probe: TProbe, headers: Record<string, string>): Promise<number> {
  const body = probe.body?.();
  const r = await s.app.inject({
    method: probe.method,
    url: probe.path ?? probe.url,
    headers,
    ...(body === undefined ? {} : { payload: body }),
  });
  return r.statusCode;
}

describe("permission matrix in docs/auth.md", () => {
  it("is the matrix of permissions.ts, row by row", () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, "../../../docs/auth.md"), "utf8");
    const table = new Map<string, string[]>();
    for (const line of doc.split("\n")) {
      const m = /^\| `([a-z_]+:[a-z_]+)` \|(.*)\|\s*$/.exec(line);
      if (m?.[1] && m[2])
        table.set(
          m[1],
          m[2].split("|").map((c) => c.trim()),
        );
    }
    expect([...table.keys()].sort()).toEqual([...permissions].sort());
    for (const p of permissions) {
      const expected = [
        ...roles.map((r) => (rolePermissions[r].includes(p) ? "✓" : "—")),
        (apiKeyScopes as readonly string[]).includes(p) ? "✓" : "—",
      ];
      expect(table.get(p), p).toEqual(expected);
    }
  });
});

describe("permission matrix over HTTP", () => {
  it("has a representative for every permission, and the probe answers for each", () => {
    expect(Object.keys(representative).sort()).toEqual([...permissions].sort());
    for (const p of permissions) expect(mounted.get(p)?.length).toBeGreaterThan(0);
  });

  it.each(roles)("role %s: 403 exactly where the matrix says no", async (role) => {
    const headers = sessions.get(role) ?? {};
    const allowed = new Set<TPermission>(rolePermissions[role]);
    for (const p of permissions) {
      for (const probe of mounted.get(p) ?? []) {
        const status = await statusOf(probe, headers);
        const label = `${role} ${p} ${probe.method} ${probe.url} → ${status}`;
        expect(status, label).not.toBe(401);
        expect(status === 403, label).toBe(!allowed.has(p));
        if (allowed.has(p))
          expect(status === 404 ? probe.path !== undefined : status < 400, label).toBe(true);
      }
    }
  });

  it.each([...apiKeyScopes])("API key with only %s: 403 everywhere else", async (scope) => {
    const created = await s.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: { authorization: `Bearer ${ws.apiKey}` },
      payload: { name: `only ${scope}`, scopes: [scope] },
    });
    expect(created.statusCode).toBe(201);
    const headers = { authorization: `Bearer ${created.json().key}` };
    for (const p of permissions) {
      for (const probe of mounted.get(p) ?? []) {
        const status = await statusOf(probe, headers);
        const label = `key[${scope}] ${p} ${probe.method} ${probe.url} → ${status}`;
        expect(status === 403, label).toBe(p !== scope);
        if (p === scope) expect(status === 404 ? probe.path !== undefined : status < 400, label).toBe(true);
      }
    }
  });

  it("the all-scopes key reaches every machine permission and nothing reserved to people", async () => {
    const headers = { authorization: `Bearer ${ws.apiKey}` };
    const machine = new Set<TPermission>(apiKeyScopes);
    for (const p of permissions) {
      for (const probe of mounted.get(p) ?? []) {
        const status = await statusOf(probe, headers);
        expect(status === 403, `all-scopes ${p} ${probe.url} → ${status}`).toBe(!machine.has(p));
      }
    }
    expect(machine.has("members:manage")).toBe(false);
    expect(machine.has("workspace:manage")).toBe(false);
  });
});
