import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createAuthTestServer,
  randomIp,
  type TAuthTestServer,
  type TSignedIn,
} from "./testing/auth-test-server.js";

let s: TAuthTestServer;
beforeAll(async () => {
  s = await createAuthTestServer();
});
afterAll(async () => s.close());

const post = (url: string, who: TSignedIn | Record<string, string>, payload?: Record<string, unknown>) => {
  const headers: Record<string, string> =
    "headers" in who && typeof who.headers === "object" ? who.headers : (who as Record<string, string>);
  return s.app.inject({ method: "POST", url, headers, ...(payload === undefined ? {} : { payload }) });
};
const get = (url: string, who: TSignedIn) => s.app.inject({ method: "GET", url, headers: who.headers });

/** Enrol and activate TOTP for a signed-in person; returns the secret and the recovery codes. */
async function enableMfa(who: TSignedIn): Promise<{ secret: string; recoveryCodes: string[]; code: string }> {
  const enrol = await post("/v1/auth/mfa/enroll", who);
  expect(enrol.statusCode).toBe(200);
  const { secret } = enrol.json();
  const code = s.totp(secret);
  const act = await post("/v1/auth/mfa/activate", who, { code });
  expect(act.statusCode).toBe(200);
  return { secret, recoveryCodes: act.json().recoveryCodes, code };
}

describe("TOTP enrolment", () => {
  it("stores the secret sealed, activates with a code, returns 10 hashed recovery codes, audits", async () => {
    const ws = await s.workspace("Enrol");
    const me = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const enrol = await post("/v1/auth/mfa/enroll", me);
    expect(enrol.statusCode).toBe(200);
    const { secret, otpauthUri } = enrol.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Assent:.*secret=/);
    const row = (
      await s.database.query<{ totp_secret_sealed: string; totp_enabled: boolean }>(
        "select totp_secret_sealed, totp_enabled from users where id = $1",
        [me.userId],
      )
    )[0];
    expect(row?.totp_enabled).toBe(false);
    expect(row?.totp_secret_sealed).not.toContain(secret);
    const wrong = await post("/v1/auth/mfa/activate", me, {
      code: "000000" === s.totp(secret) ? "111111" : "000000",
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.field).toBe("code");
    const malformed = await post("/v1/auth/mfa/activate", me, { code: "12ab" });
    expect(malformed.json().error.field).toBe("code");
    const act = await post("/v1/auth/mfa/activate", me, { code: s.totp(secret) });
    expect(act.statusCode).toBe(200);
    const codes: string[] = act.json().recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const stored = (
      await s.database.query<{ recovery_codes: string[] }>("select recovery_codes from users where id = $1", [
        me.userId,
      ])
    )[0];
    expect(stored?.recovery_codes).toHaveLength(10);
    expect(JSON.stringify(stored)).not.toContain(codes[0]?.replace("-", ""));
    // This session proved the code; it keeps working.
    expect((await get("/v1/brands", me)).statusCode).toBe(200);
    expect((await post("/v1/auth/mfa/enroll", me)).statusCode).toBe(409);
    const actions = (
      await s.database.query<{ action: string }>(
        "select action from audit_log where workspace_id = $1 and action like 'mfa.%' order by seq",
        [ws.workspaceId],
      )
    ).map((r) => r.action);
    expect(actions).toEqual(["mfa.enrollment_started", "mfa.enabled"]);
  });

  it("makes the user's other sessions pass MFA again once it is activated", async () => {
    const ws = await s.workspace("Other sessions");
    const a = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const b = await s.signIn({ email: ws.user.email, password: ws.user.password });
    await enableMfa(a);
    const r = await get("/v1/brands", b);
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe("mfa_required");
  });

  it("refuses MFA routes to API keys", async () => {
    const ws = await s.workspace("Key");
    const r = await post("/v1/auth/mfa/enroll", { authorization: `Bearer ${ws.apiKey}` });
    expect(r.statusCode).toBe(403);
  });
});

describe("sign-in with MFA", () => {
  it("holds the session at mfa_required until a code is verified; a code works once", async () => {
    const ws = await s.workspace("Verify");
    const first = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const { secret } = await enableMfa(first);
    s.advance(30_000);
    const next = await s.signIn({ email: ws.user.email, password: ws.user.password });
    expect(next.body.mfaRequired).toBe(true);
    const blocked = await get("/v1/brands", next);
    expect(blocked.statusCode).toBe(401);
    expect(blocked.json().error.code).toBe("mfa_required");
    expect((await get("/v1/auth/me", next)).json().mfaRequired).toBe(true);
    const wrong = await post("/v1/auth/mfa/verify", next, {
      code: s.totp(secret) === "123456" ? "654321" : "123456",
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.field).toBe("code");
    const code = s.totp(secret);
    const ok = await post("/v1/auth/mfa/verify", next, { code });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ mfaRequired: false, method: "totp" });
    expect((await get("/v1/brands", next)).statusCode).toBe(200);
    // The same code again, from a third session inside its window: refused (replay).
    const third = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const replay = await post("/v1/auth/mfa/verify", third, { code });
    expect(replay.statusCode).toBe(401);
    s.advance(30_000);
    expect((await post("/v1/auth/mfa/verify", third, { code: s.totp(secret) })).statusCode).toBe(200);
    const verified = await s.database.query<{ n: number }>(
      "select count(*)::int as n from audit_log where workspace_id = $1 and action = 'auth.mfa_verified'",
      [ws.workspaceId],
    );
    expect(verified[0]?.n).toBe(2);
  });

  it("accepts each recovery code once", async () => {
    const ws = await s.workspace("Recovery");
    const first = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const { recoveryCodes } = await enableMfa(first);
    const a = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const used = recoveryCodes[3] ?? "";
    const r = await post("/v1/auth/mfa/verify", a, { recoveryCode: used.toUpperCase() });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ method: "recovery_code", recoveryCodesLeft: 9 });
    const b = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const again = await post("/v1/auth/mfa/verify", b, { recoveryCode: used });
    expect(again.statusCode).toBe(401);
    expect(again.json().error.field).toBe("recoveryCode");
    expect((await get("/v1/auth/me", a)).json().user.recoveryCodesLeft).toBe(9);
    const both = await post("/v1/auth/mfa/verify", b, { code: "123456", recoveryCode: used });
    expect(both.statusCode).toBe(400);
  });

  it("locks the account after 5 wrong codes, and signing in again does not reset the count", async () => {
    const ws = await s.workspace("Guess");
    const first = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const { secret } = await enableMfa(first);
    const wrongCode = () => {
      const c = s.totp(secret);
      return c === "000000" ? "000001" : "000000";
    };
    let who = await s.signIn({ email: ws.user.email, password: ws.user.password });
    for (let i = 0; i < 4; i++)
      expect((await post("/v1/auth/mfa/verify", who, { code: wrongCode() })).statusCode).toBe(401);
    who = await s.signIn({ email: ws.user.email, password: ws.user.password });
    expect((await post("/v1/auth/mfa/verify", who, { code: wrongCode() })).statusCode).toBe(401);
    s.advance(30_000);
    const locked = await post("/v1/auth/mfa/verify", who, { code: s.totp(secret) });
    expect(locked.statusCode).toBe(423);
    expect(Number(locked.headers["retry-after"])).toBeGreaterThan(0);
    const login = await s.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: { "x-forwarded-for": randomIp() },
      payload: { email: ws.user.email, password: ws.user.password },
    });
    expect(login.statusCode).toBe(423);
    s.advance(61_000);
    expect((await post("/v1/auth/mfa/verify", who, { code: s.totp(secret) })).statusCode).toBe(200);
  });

  it("disables MFA with a current code only", async () => {
    const ws = await s.workspace("Disable");
    const me = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const { secret, code } = await enableMfa(me);
    // The very code that activated it (not a fresh one: the clock may have crossed into the next step).
    const reused = await post("/v1/auth/mfa/disable", me, { code });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error.field).toBe("code");
    s.advance(30_000);
    const off = await post("/v1/auth/mfa/disable", me, { code: s.totp(secret) });
    expect(off.statusCode).toBe(204);
    const row = (
      await s.database.query<{
        totp_enabled: boolean;
        totp_secret_sealed: string | null;
        recovery_codes: string[];
      }>("select totp_enabled, totp_secret_sealed, recovery_codes from users where id = $1", [me.userId])
    )[0];
    expect(row).toEqual({ totp_enabled: false, totp_secret_sealed: null, recovery_codes: [] });
    const again = await s.signIn({ email: ws.user.email, password: ws.user.password });
    expect(again.body.mfaRequired).toBe(false);
    expect((await post("/v1/auth/mfa/disable", again, { code: "123456" })).statusCode).toBe(422);
  });
});

describe("invitations and pending MFA", () => {
  it("does not let a session still waiting for its code join a workspace without the password", async () => {
    const a = await s.workspace("Pending A");
    const b = await s.workspace("Pending B");
    const first = await s.signIn({ email: a.user.email, password: a.user.password });
    await enableMfa(first);
    const pending = await s.signIn({ email: a.user.email, password: a.user.password });
    expect(pending.body.mfaRequired).toBe(true);
    const ownerB = await s.signIn({ email: b.user.email, password: b.user.password });
    const inv = await post("/v1/members/invitations", ownerB, { email: a.user.email, role: "agent" });
    const r = await post(
      "/v1/auth/accept-invitation",
      { ...pending.headers, "content-type": "application/json" },
      {
        token: inv.json().token,
      },
    );
    expect(r.statusCode).toBe(400);
    expect(r.json().error.field).toBe("password");
  });
});

describe("a lost device", () => {
  it("signs in with one recovery code, disables with another, and enrols a new device", async () => {
    const ws = await s.workspace("Lost");
    const first = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const { recoveryCodes } = await enableMfa(first);
    const me = await s.signIn({ email: ws.user.email, password: ws.user.password });
    expect((await post("/v1/auth/mfa/verify", me, { recoveryCode: recoveryCodes[0] ?? "" })).statusCode).toBe(
      200,
    );
    expect(
      (await post("/v1/auth/mfa/disable", me, { recoveryCode: recoveryCodes[0] ?? "" })).statusCode,
    ).toBe(401);
    expect(
      (await post("/v1/auth/mfa/disable", me, { recoveryCode: recoveryCodes[1] ?? "" })).statusCode,
    ).toBe(204);
    const { recoveryCodes: fresh } = await enableMfa(me);
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(recoveryCodes[2]);
    const actions = (
      await s.database.query<{ action: string }>(
        "select action from audit_log where workspace_id = $1 and (action like 'mfa.%' or action = 'auth.mfa_verified') order by seq",
        [ws.workspaceId],
      )
    ).map((r) => r.action);
    expect(actions).toEqual([
      "mfa.enrollment_started",
      "mfa.enabled",
      "auth.mfa_verified",
      "mfa.disabled",
      "mfa.enrollment_started",
      "mfa.enabled",
    ]);
  });
});

describe("workspace setting requireMfa", () => {
  it("forces members without MFA to enrol before anything else; owners only may change it", async () => {
    const ws = await s.workspace("Require");
    const owner = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const agent = await s.member(ws, "agent");
    const admin = await s.member(ws, "admin");
    const early = await s.app.inject({
      method: "PATCH",
      url: "/v1/workspace",
      headers: owner.headers,
      payload: { requireMfa: true },
    });
    expect(early.statusCode).toBe(422);
    expect(early.json().error.field).toBe("requireMfa");
    await enableMfa(owner);
    const byAdmin = await s.app.inject({
      method: "PATCH",
      url: "/v1/workspace",
      headers: admin.headers,
      payload: { requireMfa: true },
    });
    expect(byAdmin.statusCode).toBe(403);
    const byKey = await s.app.inject({
      method: "PATCH",
      url: "/v1/workspace",
      headers: { authorization: `Bearer ${ws.apiKey}` },
      payload: { requireMfa: true },
    });
    expect(byKey.statusCode).toBe(403);
    const on = await s.app.inject({
      method: "PATCH",
      url: "/v1/workspace",
      headers: owner.headers,
      payload: { requireMfa: true },
    });
    expect(on.statusCode).toBe(200);
    expect(on.json().requireMfa).toBe(true);
    // The agent's existing session is held at once.
    const held = await get("/v1/brands", agent);
    expect(held.json().error.code).toBe("mfa_required");
    const again = await s.signIn({ email: agent.email, password: agent.password });
    expect(again.body).toMatchObject({ mfaRequired: true, mfaEnrollmentRequired: true });
    expect((await get("/v1/workspace", again)).json().error.code).toBe("mfa_required");
    await enableMfa(again);
    expect((await get("/v1/brands", again)).statusCode).toBe(200);
    const settings = await get("/v1/workspace", again);
    expect(settings.json()).toMatchObject({
      id: ws.workspaceId,
      requireMfa: true,
      accountSid: ws.accountSid,
    });
    const viaKey = await s.app.inject({
      method: "GET",
      url: "/v1/workspace",
      headers: { authorization: `Bearer ${ws.apiKey}` },
    });
    expect(viaKey.statusCode).toBe(200);
    const events = await s.database.query<{ details: { requireMfa: boolean } }>(
      "select details from audit_log where workspace_id = $1 and action = 'workspace.settings_updated'",
      [ws.workspaceId],
    );
    expect(events.map((e) => e.details.requireMfa)).toEqual([true]);
  });
});
