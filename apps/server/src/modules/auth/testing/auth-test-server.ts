import { randomBytes, randomInt } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import { createTestDatabase, type TTestDatabase } from "../../../../test/harness.js";
import { loadConfig } from "../../../config/env.js";
import type { TAppContext } from "../../../core/context.js";
import { createContext } from "../../../core/create-context.js";
import { createLogger } from "../../../core/logger.js";
import { buildApp, type TRouteModule } from "../../../http/app.js";
import { allRoutes } from "../../../http/routes.js";
import type { TApp } from "../../../http/types.js";
import { initModules, sessionResolver } from "../../../wiring.js";
import { bootstrapWorkspace, type TBootstrapResult } from "../../workspaces/index.js";
import { workspaceSettingsRoutes } from "../../workspaces/routes-settings.js";
import type { TRole } from "../permissions.js";
import { resolveSession } from "../resolve-session.js";
import { memberRoutes } from "../routes-members.js";
import { mfaRoutes } from "../routes-mfa.js";
import { sessionRoutes } from "../routes-session.js";
import { SESSION_COOKIE } from "../session-policy.js";

/**
 * The auth module's routes, for tests until src/http/routes.ts mounts them: each is mounted only when
 * its first route is not there yet, so this keeps working once they are wired (wrapped or not).
 */
export const authRouteModules: readonly TRouteModule[] = [
  unlessMounted(sessionRoutes, "POST", "/v1/auth/login"),
  unlessMounted(mfaRoutes, "POST", "/v1/auth/mfa/enroll"),
  unlessMounted(memberRoutes, "GET", "/v1/members"),
  unlessMounted(workspaceSettingsRoutes, "GET", "/v1/workspace"),
];

function unlessMounted(mount: TRouteModule, method: "GET" | "POST", url: string): TRouteModule {
  return (app, ctx) => (app.hasRoute({ method, url }) ? undefined : mount(app, ctx));
}

export interface TSignedIn {
  userId: string;
  cookie: string;
  csrfToken: string;
  /** Cookie and X-CSRF-Token, for any request. */
  headers: Record<string, string>;
  body: {
    workspaceId: string | null;
    mfaRequired: boolean;
    mfaEnrollmentRequired: boolean;
    workspaces: { id: string; role: string }[];
  };
}

export interface TAuthTestServer {
  app: TApp;
  ctx: TAppContext;
  database: TTestDatabase;
  /** Move the server's clock (sessions, lockout, TOTP) forward. */
  advance(ms: number): void;
  now(): Date;
  workspace(name?: string): Promise<TBootstrapResult>;
  /** Sign in through POST /v1/auth/login from a fresh client IP; throws unless it answers 200. */
  signIn(o: { email: string; password: string; workspaceId?: string; ip?: string }): Promise<TSignedIn>;
  /** A new person with `role` in the workspace, through a real invitation, signed in. */
  member(ws: TBootstrapResult, role: TRole): Promise<TSignedIn & { email: string; password: string }>;
  /** The current TOTP code of a base32 secret, by the server's clock. */
  totp(secret: string): string;
  close(): Promise<void>;
}

export const randomIp = (): string => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

export function sessionOf(response: { cookies: { name: string; value: string }[]; json(): unknown }): {
  cookie: string;
  csrfToken: string;
} {
  const c = response.cookies.find((x) => x.name === SESSION_COOKIE);
  const body = response.json() as { csrfToken?: string };
  if (!c || !body.csrfToken) throw new Error(`no session in response: ${JSON.stringify(body)}`);
  return { cookie: `${SESSION_COOKIE}=${c.value}`, csrfToken: body.csrfToken };
}

/** The whole app (all mounted routes plus the auth module's) with the session resolver and a movable clock. */
export async function createAuthTestServer(
  options: { extraRoutes?: readonly TRouteModule[] } = {},
): Promise<TAuthTestServer> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    // The tests stand in for a reverse proxy (X-Forwarded-For / -Proto).
    ASSENT_TRUST_PROXY: "true",
    ASSENT_MASTER_KEY: randomBytes(32).toString("base64"),
  });
  const base = await createContext(config, createLogger("silent"), { database, migrate: false });
  let offset = 0;
  const ctx: TAppContext = { ...base, clock: () => new Date(Date.now() + offset) };
  initModules(ctx);
  const routes = [...allRoutes, ...authRouteModules, ...(options.extraRoutes ?? [])];
  const app = await buildApp(ctx, { routes, resolveSession: sessionResolver(ctx) ?? resolveSession(ctx) });

  const signIn: TAuthTestServer["signIn"] = async (o) => {
    const r = await app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: { "x-forwarded-for": o.ip ?? randomIp() },
      payload: {
        email: o.email,
        password: o.password,
        ...(o.workspaceId ? { workspaceId: o.workspaceId } : {}),
      },
    });
    if (r.statusCode !== 200) throw new Error(`login answered ${r.statusCode}: ${r.body}`);
    const s = sessionOf(r);
    const body = r.json();
    return { ...s, userId: body.user.id, headers: { cookie: s.cookie, "x-csrf-token": s.csrfToken }, body };
  };

  return {
    app,
    ctx,
    database,
    signIn,
    advance: (ms) => {
      offset += ms;
    },
    now: () => ctx.clock(),
    workspace: (name = "Test") => bootstrapWorkspace(ctx, { workspaceName: name }),
    async member(ws, role) {
      const owner = await signIn({
        email: ws.user.email,
        password: ws.user.password,
        workspaceId: ws.workspaceId,
      });
      const email = `${role}-${randomBytes(5).toString("hex")}@example.test`;
      const password = `pw-${randomBytes(12).toString("base64url")}`;
      const inv = await app.inject({
        method: "POST",
        url: "/v1/members/invitations",
        headers: owner.headers,
        payload: { email, role },
      });
      if (inv.statusCode !== 201) throw new Error(`invite answered ${inv.statusCode}: ${inv.body}`);
      const acc = await app.inject({
        method: "POST",
        url: "/v1/auth/accept-invitation",
        headers: { "x-forwarded-for": randomIp() },
        payload: { token: inv.json().token, password },
      });
      if (acc.statusCode !== 200) throw new Error(`accept answered ${acc.statusCode}: ${acc.body}`);
      const s = sessionOf(acc);
      const body = acc.json();
      return {
        ...s,
        email,
        password,
        userId: body.user.id,
        headers: { cookie: s.cookie, "x-csrf-token": s.csrfToken },
        body,
      };
    },
    totp: (secret) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: ctx.clock().getTime() }),
    async close() {
      await app.close();
      await database.close();
    },
  };
}
