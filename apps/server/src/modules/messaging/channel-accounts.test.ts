import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, type TTestServer } from "../../../test/server.js";
import { rows, withSystemTx, withWorkspaceTx } from "../../core/db/tx.js";
import { ensureSandboxSender } from "./ensure-sandbox-sender.js";
import { getChannelAccountForWebhook } from "./get-channel-account-for-webhook.js";
import { messagingFixture, messagingTestServer } from "./testing/messaging-fixture.js";

let s: TTestServer;
beforeAll(async () => {
  s = await messagingTestServer();
});
afterAll(async () => s.close());

const twilioCredentials = {
  accountSid: `AC${"1".repeat(32)}`,
  authToken: "secret-token-value",
  from: "+14155550100",
};

async function accountCount(workspaceId: string): Promise<number> {
  const r = await withSystemTx(s.ctx.db, (tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from channel_accounts where workspace_id = ${workspaceId}`,
    ),
  );
  return Number(r[0]?.n ?? 0);
}

describe("channel accounts", () => {
  it("creates a sandbox sender: webhook URL, secret shown once, credentials sealed and never returned", async () => {
    const f = await messagingFixture(s);
    const r = await s.app.inject({
      method: "POST",
      url: "/v1/channel-accounts",
      headers: f.auth,
      payload: { brandId: f.brandId, channel: "sandbox", providerId: "sandbox", name: "Sandbox" },
    });
    expect(r.statusCode).toBe(201);
    const body = r.json();
    expect(body.id).toMatch(/^chn_/);
    expect(body.webhookUrl).toBe(`http://localhost:8080/webhooks/${body.id}`);
    expect(typeof body.webhookSecret).toBe("string");
    expect(body.webhookSecret.length).toBeGreaterThanOrEqual(16);
    expect(body.messagingServiceSid).toMatch(/^MG[0-9a-f]{32}$/);
    expect(body.rateLimit).toEqual({ perSecond: 1000, perRecipientPerSecond: null, unit: "message" });
    expect(body).not.toHaveProperty("credentials");

    const got = await s.app.inject({
      method: "GET",
      url: `/v1/channel-accounts/${body.id}`,
      headers: f.auth,
    });
    expect(got.statusCode).toBe(200);
    expect(got.json()).not.toHaveProperty("webhookSecret");
    expect(JSON.stringify(got.json())).not.toContain(body.webhookSecret);

    const stored = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ credentials_sealed: string }>(
        tx,
        sql`select credentials_sealed from channel_accounts where id = ${body.id}`,
      ),
    );
    expect(stored[0]?.credentials_sealed).toMatch(/^v1\./);
    expect(stored[0]?.credentials_sealed).not.toContain(body.webhookSecret);

    const forWebhook = await getChannelAccountForWebhook(s.ctx.db, s.ctx.keys, body.id);
    expect(forWebhook).toMatchObject({
      id: body.id,
      workspaceId: f.workspaceId,
      brandId: f.brandId,
      providerId: "sandbox",
      channel: "sandbox",
    });
    expect(forWebhook?.webhookSecret).toBe(body.webhookSecret);
  });

  it("applies Twilio's default rates by number type and accepts an override", async () => {
    const f = await messagingFixture(s);
    const longCode = await f.sender({ channel: "sms", providerId: "twilio", credentials: twilioCredentials });
    expect(longCode.address).toBe("+14155550100");
    const got = await s.app.inject({
      method: "GET",
      url: `/v1/channel-accounts/${longCode.id}`,
      headers: f.auth,
    });
    expect(got.json().rateLimit).toEqual({ perSecond: 1, perRecipientPerSecond: null, unit: "segment" });
    const tollFree = await f.sender({
      channel: "sms",
      providerId: "twilio",
      credentials: { ...twilioCredentials, from: "+18885550100" },
    });
    const tf = await s.app.inject({
      method: "GET",
      url: `/v1/channel-accounts/${tollFree.id}`,
      headers: f.auth,
    });
    expect(tf.json().rateLimit.perSecond).toBe(3);
    const wa = await f.sender({
      channel: "whatsapp",
      providerId: "whatsapp-cloud",
      credentials: { phoneNumberId: "1234567890", accessToken: "t", appSecret: "a", verifyToken: "v" },
      rateLimit: { perSecond: 200 },
    });
    const w = await s.app.inject({ method: "GET", url: `/v1/channel-accounts/${wa.id}`, headers: f.auth });
    expect(w.json()).toMatchObject({
      address: "1234567890",
      messagingServiceSid: null,
      rateLimit: { perSecond: 200, perRecipientPerSecond: 1 / 6 },
    });
  });

  it("names the credential field at fault, never echoes its value, and writes nothing", async () => {
    const f = await messagingFixture(s);
    const before = await accountCount(f.workspaceId);
    const r = await s.app.inject({
      method: "POST",
      url: "/v1/channel-accounts",
      headers: f.auth,
      payload: {
        brandId: f.brandId,
        channel: "sms",
        providerId: "twilio",
        name: "x",
        credentials: { ...twilioCredentials, accountSid: "nope-secret-ish" },
      },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({ code: "validation_failed", field: "credentials.accountSid" });
    expect(r.body).not.toContain("nope-secret-ish");
    const wrongChannel = await s.app.inject({
      method: "POST",
      url: "/v1/channel-accounts",
      headers: f.auth,
      payload: {
        brandId: f.brandId,
        channel: "whatsapp",
        providerId: "twilio",
        name: "x",
        credentials: twilioCredentials,
      },
    });
    expect(wrongChannel.statusCode).toBe(400);
    expect(wrongChannel.json().error.field).toBe("channel");
    const otherBrand = await s.app.inject({
      method: "POST",
      url: "/v1/channel-accounts",
      headers: f.auth,
      payload: { brandId: "brd_nope", channel: "sandbox", providerId: "sandbox", name: "x", credentials: {} },
    });
    expect(otherBrand.statusCode).toBe(400);
    expect(otherBrand.json().error.field).toBe("brandId");
    expect(await accountCount(f.workspaceId)).toBe(before);
  });

  it("lists with a cursor, disables, and never shows another workspace's sender", async () => {
    const a = await messagingFixture(s, "A");
    const b = await messagingFixture(s, "B");
    const x = await a.sender();
    await a.sender();
    // The first-start hook may have given the workspace a sandbox sender too.
    const all = await s.app.inject({ method: "GET", url: "/v1/channel-accounts?limit=200", headers: a.auth });
    const total = all.json().data.length;
    expect(total).toBeGreaterThanOrEqual(2);
    const page1 = await s.app.inject({ method: "GET", url: "/v1/channel-accounts?limit=1", headers: a.auth });
    expect(page1.json().data).toHaveLength(1);
    const page2 = await s.app.inject({
      method: "GET",
      url: `/v1/channel-accounts?limit=200&cursor=${page1.json().nextCursor}`,
      headers: a.auth,
    });
    expect(page2.json().data).toHaveLength(total - 1);
    expect(page2.json().nextCursor).toBeNull();
    expect(
      (await s.app.inject({ method: "GET", url: `/v1/channel-accounts/${x.id}`, headers: b.auth }))
        .statusCode,
    ).toBe(404);
    expect(
      (await s.app.inject({ method: "DELETE", url: `/v1/channel-accounts/${x.id}`, headers: b.auth }))
        .statusCode,
    ).toBe(404);
    const del = await s.app.inject({
      method: "DELETE",
      url: `/v1/channel-accounts/${x.id}`,
      headers: a.auth,
    });
    expect(del.statusCode).toBe(200);
    expect(del.json().status).toBe("disabled");
  });

  it("replays an Idempotency-Key without showing the secret again", async () => {
    const f = await messagingFixture(s);
    const h = { ...f.auth, "idempotency-key": "acct-1" };
    const payload = { brandId: f.brandId, channel: "sandbox", providerId: "sandbox", name: "Once" };
    const first = await s.app.inject({ method: "POST", url: "/v1/channel-accounts", headers: h, payload });
    const again = await s.app.inject({ method: "POST", url: "/v1/channel-accounts", headers: h, payload });
    expect(again.json().id).toBe(first.json().id);
    expect(first.json().webhookSecret).toBeTruthy();
    expect(again.json().webhookSecret).toBeUndefined();
    const stored = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ response: unknown }>(
        tx,
        sql`select response from idempotency_keys where workspace_id = ${f.workspaceId}`,
      ),
    );
    expect(JSON.stringify(stored)).not.toContain(first.json().webhookSecret);
  });

  it("ensureSandboxSender creates one sandbox sender per brand and then finds it", async () => {
    const f = await messagingFixture(s);
    const first = await withWorkspaceTx(s.ctx.db, f.workspaceId, (tx) =>
      ensureSandboxSender(tx, f.keys, { workspaceId: f.workspaceId, brandId: f.brandId }),
    );
    const again = await withWorkspaceTx(s.ctx.db, f.workspaceId, (tx) =>
      ensureSandboxSender(tx, f.keys, { workspaceId: f.workspaceId, brandId: f.brandId }),
    );
    // The first-start hook may already have made it; either way there is exactly one, found again.
    if (first.created) expect(first.webhookSecret).toBeTruthy();
    expect(again).toEqual({ channelAccountId: first.channelAccountId, created: false });
    const sandboxes = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from channel_accounts where brand_id = ${f.brandId} and provider_id = 'sandbox'`,
      ),
    );
    expect(sandboxes[0]?.n).toBe(1);
  });

  it("requires channels:manage", async () => {
    const f = await messagingFixture(s);
    const r = await s.app.inject({ method: "GET", url: "/v1/channel-accounts", headers: bearer("ask_nope") });
    expect(r.statusCode).toBe(401);
    expect(
      (await s.app.inject({ method: "GET", url: "/v1/channel-accounts", headers: f.auth })).statusCode,
    ).toBe(200);
  });

  it("random bodies never cause a 5xx or a half-written sender", async () => {
    const f = await messagingFixture(s);
    const before = await accountCount(f.workspaceId);
    let created = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            brandId: fc.oneof(fc.constant(f.brandId), fc.string()),
            channel: fc.oneof(
              fc.constantFrom("sms", "whatsapp", "telegram", "instagram", "sandbox"),
              fc.string(),
            ),
            providerId: fc.oneof(
              fc.constantFrom("twilio", "sandbox", "fake", "whatsapp-cloud", "telegram-bot", "instagram"),
              fc.string(),
            ),
            name: fc.string(),
            credentials: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
            rateLimit: fc.option(fc.jsonValue(), { nil: undefined }),
          },
          { requiredKeys: [] },
        ),
        async (payload) => {
          const r = await s.app.inject({
            method: "POST",
            url: "/v1/channel-accounts",
            headers: f.auth,
            payload,
          });
          expect(r.statusCode).toBeLessThan(500);
          if (r.statusCode === 201) created += 1;
        },
      ),
      { numRuns: 60 },
    );
    expect(await accountCount(f.workspaceId)).toBe(before + created);
  });
});
