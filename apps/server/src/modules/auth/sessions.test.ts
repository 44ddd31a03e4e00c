import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCK_MAX_MS } from "./lockout-policy.js";
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from "./session-policy.js";
import {
  createAuthTestServer,
  randomIp,
  sessionOf,
  type TAuthTestServer,
} from "./testing/auth-test-server.js";

let s: TAuthTestServer;
beforeAll(async () => {
  s = await createAuthTestServer();
});
afterAll(async () => s.close());

const count = async (sql: string, params: unknown[] = []) =>
  Number((await s.database.query<{ n: number }>(sql, params))[0]?.n ?? 0);

describe("sign-up", () => {
  it("creates the user, an owned workspace and a signed-in session, storing no plaintext", async () => {
    const r = await s.app.inject({
      method: "POST",
      url: "/v1/auth/signup",
      headers: { "x-forwarded-for": randomIp() },
      payload: {
        email: "  Ada@Example.TEST ",
        password: "correct horse battery",
        workspaceName: "Ada's shop",
      },
    });
    expect(r.statusCode).toBe(201);
    const body = r.json();
    expect(body.user.email).toBe("ada@example.test");
    expect(body.workspaces).toEqual([
      { id: body.workspaceId, name: "Ada's shop", role: "owner", requireMfa: false },
    ]);
    expect(body.mfaRequired).toBe(false);
    const cookie = r.cookies.find((c) => c.name === "assent_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
    expect(cookie?.secure).toBeFalsy();
    const stored = await s.database.query<{ email_sealed: string; password_hash: string }>(
      "select email_sealed, password_hash from users where id = $1",
      [body.user.id],
    );
    expect(stored[0]?.email_sealed).not.toContain("ada");
    expect(stored[0]?.password_hash).toMatch(/^\$argon2id\$/);
    const tokenRows = await s.database.query<{ token_hash: string }>(
      "select token_hash from sessions where user_id = $1",
      [body.user.id],
    );
    expect(tokenRows[0]?.token_hash).not.toBe(cookie?.value);
    expect(tokenRows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const me = await s.app.inject({
      method: "GET",
      url: "/v1/auth/me",
      headers: { cookie: `assent_session=${cookie?.value}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json().user.id).toBe(body.user.id);
    const audit = await count(
      "select count(*)::int as n from audit_log where workspace_id = $1 and action = 'auth.signed_up'",
      [body.workspaceId],
    );
    expect(audit).toBe(1);
  });

  it("sets Secure on the cookie behind https", async () => {
    const r = await s.app.inject({
      method: "POST",
      url: "/v1/auth/signup",
      headers: { "x-forwarded-for": randomIp(), "x-forwarded-proto": "https" },
      payload: { email: "secure@example.test", password: "correct horse battery", workspaceName: "S" },
    });
    expect(r.statusCode).toBe(201);
    expect(r.cookies.find((c) => c.name === "assent_session")?.secure).toBe(true);
  });

  it("refuses short and common passwords and a taken email, naming the field, writing nothing", async () => {
    const before = await count("select count(*)::int as n from users");
    const ws = await count("select count(*)::int as n from workspaces");
    for (const [password, field] of [
      ["short", "password"],
      ["password1234", "password"],
      ["aaaaaaaaaaaaaa", "password"],
      ["abcdefghijklmnop", "password"],
    ]) {
      const r = await s.app.inject({
        method: "POST",
        url: "/v1/auth/signup",
        headers: { "x-forwarded-for": randomIp() },
        payload: { email: "weak@example.test", password, workspaceName: "W" },
      });
      expect(r.statusCode, password).toBe(400);
      expect(r.json().error.field).toBe(field);
    }
    const dup = await s.app.inject({
      method: "POST",
      url: "/v1/auth/signup",
      headers: { "x-forwarded-for": randomIp() },
      payload: { email: "ADA@example.test", password: "another good passphrase", workspaceName: "Dup" },
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.field).toBe("email");
    const bad = await s.app.inject({
      method: "POST",
      url: "/v1/auth/signup",
      headers: { "x-forwarded-for": randomIp() },
      payload: { email: "not-an-email", password: "another good passphrase", workspaceName: "X" },
    });
    expect(bad.json().error.field).toBe("email");
    expect(await count("select count(*)::int as n from users")).toBe(before);
    expect(await count("select count(*)::int as n from workspaces")).toBe(ws);
  });

  it("refuses url-encoded bodies on the public credential routes (no login CSRF through forms)", async () => {
    const r = await s.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": randomIp() },
      payload: "email=ada%40example.test&password=correct+horse+battery",
    });
    expect(r.statusCode).toBe(415);
  });

  it("rate-limits sign-ups per IP", async () => {
    const ip = randomIp();
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await s.app.inject({
        method: "POST",
        url: "/v1/auth/signup",
        headers: { "x-forwarded-for": ip },
        payload: { email: "x", password: "y", workspaceName: "z" },
      });
      codes.push(r.statusCode);
    }
    expect(codes.slice(0, 10).every((c) => c === 400)).toBe(true);
    expect(codes.slice(10)).toEqual([429, 429]);
  });
});

describe("login, CSRF and session lifetime", () => {
  it("signs in, enforces X-CSRF-Token on unsafe methods, and lists the workspaces", async () => {
    const ws = await s.workspace("Login");
    const me = await s.signIn({ email: ws.user.email, password: ws.user.password });
    expect(me.body.workspaceId).toBe(ws.workspaceId);
    expect(me.body.mfaRequired).toBe(false);
    const get = await s.app.inject({ method: "GET", url: "/v1/brands", headers: { cookie: me.cookie } });
    expect(get.statusCode).toBe(200);
    const noCsrf = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: { cookie: me.cookie },
      payload: { name: "A" },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe("csrf_failed");
    const wrong = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: { cookie: me.cookie, "x-csrf-token": "nope" },
      payload: { name: "A" },
    });
    expect(wrong.json().error.code).toBe("csrf_failed");
    const ok = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: me.headers,
      payload: { name: "A" },
    });
    expect(ok.statusCode).toBe(201);
    const audit = await s.database.query<{ actor_id: string }>(
      "select actor_id from audit_log where workspace_id = $1 and action = 'brand.created' and target_id = $2",
      [ws.workspaceId, ok.json().id],
    );
    expect(audit[0]?.actor_id).toBe(me.userId);
  });

  it("answers the same 401 for an unknown email and a wrong password, and audits without the email", async () => {
    const ws = await s.workspace("Unknown");
    const unknown = await s.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: { "x-forwarded-for": randomIp() },
      payload: { email: "nobody@example.test", password: "whatever it is", workspaceId: ws.workspaceId },
    });
    const wrong = await s.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: { "x-forwarded-for": randomIp() },
      payload: { email: ws.user.email, password: "whatever it is" },
    });
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.json().error.message).toBe(wrong.json().error.message);
    const events = await s.database.query<{ actor_id: string | null; target_id: string; details: unknown }>(
      "select actor_id, target_id, details from audit_log where workspace_id = $1 and action = 'auth.login_failed' order by seq",
      [ws.workspaceId],
    );
    expect(events.map((e) => e.target_id).sort()).toEqual(
      ["unknown", events.find((e) => e.target_id !== "unknown")?.target_id].sort(),
    );
    expect(JSON.stringify(events)).not.toContain("@");
  });

  it("times unknown emails like wrong passwords (the dummy hash is verified)", async () => {
    const ws = await s.workspace("Timing");
    const time = async (email: string) => {
      const t = performance.now();
      await s.app.inject({
        method: "POST",
        url: "/v1/auth/login",
        headers: { "x-forwarded-for": randomIp() },
        payload: { email, password: "wrong password!" },
      });
      return performance.now() - t;
    };
    await time("warmup@example.test");
    const unknown = Math.min(
      await time("a@example.test"),
      await time("b@example.test"),
      await time("c@example.test"),
    );
    const known = Math.min(await time(ws.user.email), await time(ws.user.email), await time(ws.user.email));
    // Both pay one argon2id verification (~tens of ms); without the dummy the unknown case takes ~1 ms.
    expect(unknown).toBeGreaterThan(known * 0.25);
  });

  it("locks the account after 5 failures with a doubling lock, 423 and Retry-After, capped at 1 h", async () => {
    const ws = await s.workspace("Lock");
    const attempt = (password: string) =>
      s.app.inject({
        method: "POST",
        url: "/v1/auth/login",
        headers: { "x-forwarded-for": randomIp() },
        payload: { email: ws.user.email, password },
      });
    for (let i = 0; i < 5; i++) expect((await attempt("wrong password!!")).statusCode).toBe(401);
    const locked = await attempt(ws.user.password);
    expect(locked.statusCode).toBe(423);
    expect(locked.json().error.code).toBe("locked");
    expect(Number(locked.headers["retry-after"])).toBeGreaterThan(55);
    expect(Number(locked.headers["retry-after"])).toBeLessThanOrEqual(60);
    s.advance(61_000);
    expect((await attempt("wrong password!!")).statusCode).toBe(401);
    const second = await attempt(ws.user.password);
    expect(second.statusCode).toBe(423);
    expect(Number(second.headers["retry-after"])).toBeGreaterThan(115);
    expect(Number(second.headers["retry-after"])).toBeLessThanOrEqual(120);
    for (let i = 0; i < 8; i++) {
      s.advance(LOCK_MAX_MS + 1000);
      await attempt("wrong password!!");
    }
    const capped = await attempt(ws.user.password);
    expect(Number(capped.headers["retry-after"])).toBeLessThanOrEqual(3600);
    expect(Number(capped.headers["retry-after"])).toBeGreaterThan(3500);
    s.advance(LOCK_MAX_MS + 1000);
    const ok = await attempt(ws.user.password);
    expect(ok.statusCode).toBe(200);
    const row = await s.database.query<{ failed_logins: number }>(
      "select failed_logins from users where id = $1",
      [ok.json().user.id],
    );
    expect(row[0]?.failed_logins).toBe(0);
    const audited = await count(
      "select count(*)::int as n from audit_log where workspace_id = $1 and action = 'auth.login_failed' and (details->>'locked')::boolean",
      [ws.workspaceId],
    );
    expect(audited).toBeGreaterThan(0);
  });

  it("rate-limits logins per IP", async () => {
    const ip = randomIp();
    const codes: number[] = [];
    for (let i = 0; i < 22; i++) {
      const r = await s.app.inject({
        method: "POST",
        url: "/v1/auth/login",
        headers: { "x-forwarded-for": ip },
        payload: { email: "nobody@example.test", password: "x" },
      });
      codes.push(r.statusCode);
    }
    expect(codes.slice(20)).toEqual([429, 429]);
  });

  it("ends a session after 12 h idle and 7 days absolute", async () => {
    const ws = await s.workspace("Expiry");
    const a = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const me = (h: Record<string, string>) => s.app.inject({ method: "GET", url: "/v1/auth/me", headers: h });
    s.advance(SESSION_IDLE_MS - 60_000);
    expect((await me(a.headers)).statusCode).toBe(200);
    s.advance(SESSION_IDLE_MS - 60_000);
    expect((await me(a.headers)).statusCode).toBe(200);
    s.advance(SESSION_IDLE_MS + 1000);
    expect((await me(a.headers)).statusCode).toBe(401);
    const b = await s.signIn({ email: ws.user.email, password: ws.user.password });
    for (let t = 0; t < SESSION_ABSOLUTE_MS - SESSION_IDLE_MS; t += SESSION_IDLE_MS / 2) {
      s.advance(SESSION_IDLE_MS / 2);
      expect((await me(b.headers)).statusCode).toBe(200);
    }
    s.advance(SESSION_IDLE_MS);
    expect((await me(b.headers)).statusCode).toBe(401);
  });

  it("logs out one session, and every session with logout-all", async () => {
    const ws = await s.workspace("Logout");
    const a = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const b = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const c = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const out = await s.app.inject({ method: "POST", url: "/v1/auth/logout", headers: a.headers });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((x) => x.name === "assent_session")?.value).toBe("");
    expect((await s.app.inject({ method: "GET", url: "/v1/auth/me", headers: a.headers })).statusCode).toBe(
      401,
    );
    expect((await s.app.inject({ method: "GET", url: "/v1/auth/me", headers: b.headers })).statusCode).toBe(
      200,
    );
    const noCsrf = await s.app.inject({
      method: "POST",
      url: "/v1/auth/logout-all",
      headers: { cookie: b.cookie },
    });
    expect(noCsrf.statusCode).toBe(403);
    const all = await s.app.inject({ method: "POST", url: "/v1/auth/logout-all", headers: b.headers });
    expect(all.statusCode).toBe(200);
    expect(all.json().revoked).toBe(2);
    expect((await s.app.inject({ method: "GET", url: "/v1/auth/me", headers: b.headers })).statusCode).toBe(
      401,
    );
    expect((await s.app.inject({ method: "GET", url: "/v1/auth/me", headers: c.headers })).statusCode).toBe(
      401,
    );
    const again = await s.signIn({ email: ws.user.email, password: ws.user.password });
    expect(
      (await s.app.inject({ method: "GET", url: "/v1/auth/me", headers: again.headers })).statusCode,
    ).toBe(200);
    expect(
      await count(
        "select count(*)::int as n from audit_log where workspace_id = $1 and action = 'auth.logged_out_everywhere'",
        [ws.workspaceId],
      ),
    ).toBe(1);
  });

  it("switches workspace only into one the user belongs to (404 otherwise)", async () => {
    const a = await s.workspace("Switch A");
    const b = await s.workspace("Switch B");
    const me = await s.signIn({ email: a.user.email, password: a.user.password });
    const foreign = await s.app.inject({
      method: "POST",
      url: "/v1/auth/switch-workspace",
      headers: me.headers,
      payload: { workspaceId: b.workspaceId },
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.field).toBe("workspaceId");
    const loginForeign = await s.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: { "x-forwarded-for": randomIp() },
      payload: { email: a.user.email, password: a.user.password, workspaceId: b.workspaceId },
    });
    expect(loginForeign.statusCode).toBe(404);
    // Join B by invitation while signed in: no password needed, and the session moves to B.
    const ownerB = await s.signIn({ email: b.user.email, password: b.user.password });
    const inv = await s.app.inject({
      method: "POST",
      url: "/v1/members/invitations",
      headers: ownerB.headers,
      payload: { email: a.user.email, role: "agent" },
    });
    const join = await s.app.inject({
      method: "POST",
      url: "/v1/auth/accept-invitation",
      headers: { ...me.headers, "x-forwarded-for": randomIp() },
      payload: { token: inv.json().token },
    });
    expect(join.statusCode).toBe(200);
    expect(join.json().workspaceId).toBe(b.workspaceId);
    expect(join.cookies).toHaveLength(0);
    const back = await s.app.inject({
      method: "POST",
      url: "/v1/auth/switch-workspace",
      headers: me.headers,
      payload: { workspaceId: a.workspaceId },
    });
    expect(back.statusCode).toBe(200);
    expect(back.json().workspaceId).toBe(a.workspaceId);
    expect(
      back
        .json()
        .workspaces.map((w: { id: string }) => w.id)
        .sort(),
    ).toEqual([a.workspaceId, b.workspaceId].sort());
    const list = await s.app.inject({ method: "GET", url: "/v1/members", headers: me.headers });
    expect(list.statusCode).toBe(200);
  });

  it("answers 401 for API-key-less, cookie-less calls and 403 for API keys on session routes", async () => {
    const ws = await s.workspace("Keys");
    expect((await s.app.inject({ method: "GET", url: "/v1/auth/me" })).statusCode).toBe(401);
    expect(
      (
        await s.app.inject({
          method: "GET",
          url: "/v1/auth/me",
          headers: { cookie: "assent_session=forged-token-value-xxxxxxxx" },
        })
      ).statusCode,
    ).toBe(401);
    const viaKey = await s.app.inject({
      method: "GET",
      url: "/v1/auth/me",
      headers: { authorization: `Bearer ${ws.apiKey}` },
    });
    expect(viaKey.statusCode).toBe(403);
    const sess = sessionOf(
      await s.app.inject({
        method: "POST",
        url: "/v1/auth/login",
        headers: { "x-forwarded-for": randomIp() },
        payload: { email: ws.user.email, password: ws.user.password },
      }),
    );
    expect(sess.csrfToken.length).toBeGreaterThan(20);
  });
});
