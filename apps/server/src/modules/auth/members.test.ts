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

const call = (
  method: "GET" | "POST" | "PATCH" | "DELETE",
  url: string,
  who: TSignedIn,
  payload?: Record<string, unknown>,
) => s.app.inject({ method, url, headers: who.headers, ...(payload === undefined ? {} : { payload }) });
const accept = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  s.app.inject({
    method: "POST",
    url: "/v1/auth/accept-invitation",
    headers: { "x-forwarded-for": randomIp(), ...headers },
    payload,
  });
const count = async (sql: string, params: unknown[] = []) =>
  Number((await s.database.query<{ n: number }>(sql, params))[0]?.n ?? 0);

describe("invitations", () => {
  it("shows the token once, stores its hash, expires in 7 days, and creates the account on acceptance", async () => {
    const ws = await s.workspace("Invite");
    const owner = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const r = await call("POST", "/v1/members/invitations", owner, {
      email: "New.Person@Example.test",
      role: "compliance",
    });
    expect(r.statusCode).toBe(201);
    const inv = r.json();
    expect(inv.token).toMatch(/^asi_/);
    expect(inv.email).toBe("new.person@example.test");
    expect(new Date(inv.expiresAt).getTime() - new Date(inv.createdAt).getTime()).toBe(7 * 24 * 3600 * 1000);
    const row = (
      await s.database.query<{ token_hash: string; email_sealed: string }>(
        "select token_hash, email_sealed from invitations where id = $1",
        [inv.id],
      )
    )[0];
    expect(row?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.email_sealed).not.toContain("example");
    const pending = await call("GET", "/v1/members/invitations", owner);
    expect(JSON.stringify(pending.json())).not.toContain(inv.token);
    expect(pending.json().data).toEqual([
      expect.objectContaining({ id: inv.id, email: "new.person@example.test", role: "compliance" }),
    ]);

    const noPassword = await accept({ token: inv.token });
    expect(noPassword.statusCode).toBe(400);
    expect(noPassword.json().error.field).toBe("password");
    const weak = await accept({ token: inv.token, password: "password1234" });
    expect(weak.json().error.field).toBe("password");
    const ok = await accept({ token: inv.token, password: "a long enough passphrase" });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      workspaceId: ws.workspaceId,
      user: { email: "new.person@example.test" },
    });
    expect(ok.json().workspaces).toEqual([
      expect.objectContaining({ id: ws.workspaceId, role: "compliance" }),
    ]);
    const reused = await accept({ token: inv.token, password: "a long enough passphrase" });
    expect(reused.statusCode).toBe(404);
    expect(reused.json().error.field).toBe("token");
    const login = await s.signIn({ email: "new.person@example.test", password: "a long enough passphrase" });
    expect(login.body.workspaceId).toBe(ws.workspaceId);
    const actions = (
      await s.database.query<{ action: string }>(
        "select action from audit_log where workspace_id = $1 and action like 'member.%' order by seq",
        [ws.workspaceId],
      )
    ).map((x) => x.action);
    expect(actions).toEqual(["member.added", "member.invited", "member.added", "member.invitation_accepted"]);
  });

  it("lets an existing account join with its password (wrong password counts as a failure)", async () => {
    const a = await s.workspace("Existing A");
    const b = await s.workspace("Existing B");
    const ownerB = await s.signIn({ email: b.user.email, password: b.user.password });
    const inv = (
      await call("POST", "/v1/members/invitations", ownerB, { email: a.user.email, role: "developer" })
    ).json();
    const wrong = await accept({ token: inv.token, password: "not the password" });
    expect(wrong.statusCode).toBe(401);
    expect(
      await count(
        "select failed_logins as n from users where email_index = (select email_index from invitations where id = $1)",
        [inv.id],
      ),
    ).toBe(1);
    const ok = await accept({ token: inv.token, password: a.user.password });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().workspaceId).toBe(b.workspaceId);
    expect(ok.json().workspaces).toHaveLength(2);
  });

  it("refuses expired, revoked and foreign invitations, and inviting a member twice", async () => {
    const ws = await s.workspace("Expired");
    const other = await s.workspace("Other");
    const owner = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const inv = (
      await call("POST", "/v1/members/invitations", owner, { email: "late@example.test", role: "agent" })
    ).json();
    s.advance(7 * 24 * 3600 * 1000 + 1000);
    expect((await accept({ token: inv.token, password: "a long enough passphrase" })).statusCode).toBe(404);
    const owner2 = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const inv2 = (
      await call("POST", "/v1/members/invitations", owner2, { email: "late@example.test", role: "agent" })
    ).json();
    expect(
      await count(
        "select count(*)::int as n from invitations where workspace_id = $1 and accepted_at is null",
        [ws.workspaceId],
      ),
    ).toBe(1);
    const otherOwner = await s.signIn({ email: other.user.email, password: other.user.password });
    expect((await call("DELETE", `/v1/members/invitations/${inv2.id}`, otherOwner)).statusCode).toBe(404);
    expect((await call("DELETE", `/v1/members/invitations/${inv2.id}`, owner2)).statusCode).toBe(204);
    expect((await accept({ token: inv2.token, password: "a long enough passphrase" })).statusCode).toBe(404);
    const self = await call("POST", "/v1/members/invitations", owner2, {
      email: ws.user.email,
      role: "agent",
    });
    expect(self.statusCode).toBe(409);
    expect(self.json().error.field).toBe("email");
  });

  it("lets only owners invite owners", async () => {
    const ws = await s.workspace("Owner invite");
    const admin = await s.member(ws, "admin");
    const r = await call("POST", "/v1/members/invitations", admin, {
      email: "boss@example.test",
      role: "owner",
    });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.field).toBe("role");
    expect(
      (await call("POST", "/v1/members/invitations", admin, { email: "helper@example.test", role: "agent" }))
        .statusCode,
    ).toBe(201);
  });
});

describe("members", () => {
  it("lists members with emails, changes roles, and removes members who then lose the workspace at once", async () => {
    const ws = await s.workspace("Members");
    const owner = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const agent = await s.member(ws, "agent");
    const list = await call("GET", "/v1/members?limit=1", owner);
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toHaveLength(1);
    const rest = await call("GET", `/v1/members?cursor=${list.json().nextCursor}`, owner);
    expect(rest.json().data).toEqual([
      expect.objectContaining({ userId: agent.userId, email: agent.email, role: "agent", mfaEnabled: false }),
    ]);

    expect((await call("POST", "/v1/brands", agent, { name: "Nope" })).statusCode).toBe(403);
    const promote = await call("PATCH", `/v1/members/${agent.userId}`, owner, { role: "developer" });
    expect(promote.statusCode).toBe(200);
    expect(promote.json()).toEqual({ userId: agent.userId, role: "developer" });
    // Roles are read per request: the same session now has developer rights.
    expect((await call("POST", "/v1/brands", agent, { name: "Now yes" })).statusCode).toBe(201);
    const bad = await call("PATCH", `/v1/members/${agent.userId}`, owner, { role: "king" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("role");

    expect((await call("DELETE", `/v1/members/${agent.userId}`, owner)).statusCode).toBe(204);
    const gone = await call("GET", "/v1/brands", agent);
    expect(gone.statusCode).toBe(403);
    expect((await call("DELETE", `/v1/members/${agent.userId}`, owner)).statusCode).toBe(404);
    const actions = await s.database.query<{ action: string; details: Record<string, string> }>(
      "select action, details from audit_log where workspace_id = $1 and action in ('member.role_changed','member.removed') order by seq",
      [ws.workspaceId],
    );
    expect(actions).toEqual([
      { action: "member.role_changed", details: { from: "agent", to: "developer" } },
      { action: "member.removed", details: { role: "developer" } },
    ]);
  });

  it("keeps at least one owner, and only owners touch the owner role", async () => {
    const ws = await s.workspace("Owners");
    const owner = await s.signIn({ email: ws.user.email, password: ws.user.password });
    const admin = await s.member(ws, "admin");
    const demoteSelf = await call("PATCH", `/v1/members/${owner.userId}`, owner, { role: "admin" });
    expect(demoteSelf.statusCode).toBe(422);
    expect(demoteSelf.json().error.field).toBe("role");
    expect((await call("DELETE", `/v1/members/${owner.userId}`, owner)).statusCode).toBe(422);
    expect((await call("DELETE", `/v1/members/${owner.userId}`, admin)).statusCode).toBe(403);
    expect((await call("PATCH", `/v1/members/${owner.userId}`, admin, { role: "agent" })).statusCode).toBe(
      403,
    );
    expect((await call("PATCH", `/v1/members/${admin.userId}`, admin, { role: "owner" })).statusCode).toBe(
      403,
    );
    expect((await call("PATCH", `/v1/members/${admin.userId}`, owner, { role: "owner" })).statusCode).toBe(
      200,
    );
    // Two owners now: either may step down, but not both.
    const [x, y] = await Promise.all([
      call("PATCH", `/v1/members/${owner.userId}`, owner, { role: "admin" }),
      call("PATCH", `/v1/members/${admin.userId}`, admin, { role: "admin" }),
    ]);
    expect([x.statusCode, y.statusCode].sort()).toEqual([200, 422]);
    expect(
      await count("select count(*)::int as n from memberships where workspace_id = $1 and role = 'owner'", [
        ws.workspaceId,
      ]),
    ).toBe(1);
  });

  it("answers 404 for another workspace's member, never 403", async () => {
    const a = await s.workspace("Tenant A");
    const b = await s.workspace("Tenant B");
    const ownerA = await s.signIn({ email: a.user.email, password: a.user.password });
    const ownerB = await s.signIn({ email: b.user.email, password: b.user.password });
    expect((await call("PATCH", `/v1/members/${ownerB.userId}`, ownerA, { role: "agent" })).statusCode).toBe(
      404,
    );
    expect((await call("DELETE", `/v1/members/${ownerB.userId}`, ownerA)).statusCode).toBe(404);
    const listed = await call("GET", "/v1/members", ownerA);
    expect(listed.json().data.map((m: { userId: string }) => m.userId)).toEqual([ownerA.userId]);
  });
});

describe("API keys minted by people", () => {
  it("never grant more than the person's role", async () => {
    const ws = await s.workspace("Mint");
    const dev = await s.member(ws, "developer");
    const beyond = await call("POST", "/v1/api-keys", dev, { name: "x", scopes: ["privacy:admin"] });
    expect(beyond.statusCode).toBe(403);
    expect(beyond.json().error.field).toBe("scopes");
    expect(
      (await call("POST", "/v1/api-keys", dev, { name: "y", scopes: ["messages:send"] })).statusCode,
    ).toBe(201);
  });
});
