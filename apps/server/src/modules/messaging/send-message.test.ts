import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../test/server.js";
import { withSystemTx, withWorkspaceTx } from "../../core/db/tx.js";
import { verifyAuditChain } from "../audit/index.js";
import { createCampaign } from "../consent/index.js";
import { forgetContacts } from "./contact-cache.js";
import { acceptedJsonText, presentAccepted } from "./message-routes.js";
import { messageStatuses } from "./messaging.types.js";
import { prepareSendWork } from "./prepare-send-work.js";
import { getSendBatcher } from "./send-batcher.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  testActor,
} from "./testing/messaging-fixture.js";
import { touchCustomerWindow } from "./touch-customer-window.js";

let s: TTestServer;
let f: TMessagingFixture;
let sender: { id: string };
beforeAll(async () => {
  s = await messagingTestServer();
  f = await messagingFixture(s);
  await f.sender();
  // The default sender is the brand's oldest active one on the channel (the first-start hook may have made one).
  const oldest = await f.rows<{ id: string }>(
    sql`select id from channel_accounts where brand_id = ${f.brandId} and channel = 'sandbox' and status = 'active'
      order by created_at, id limit 1`,
  );
  sender = { id: oldest[0]?.id ?? "" };
});
afterAll(async () => s.close());

describe("POST /v1/messages", () => {
  it("queues a transactional message without marketing consent; the body is sealed at rest", async () => {
    const r = await f.send({
      to: "+44 20 7946 0001",
      channel: "sandbox",
      brandId: f.brandId,
      category: "transactional",
      body: "Your code is 1234",
    });
    expect(r.statusCode).toBe(202);
    const body = r.json();
    expect(body).toMatchObject({ status: "queued", channelAccountId: sender.id });
    expect(body.id).toMatch(/^msg_/);
    expect(body.contactId).toMatch(/^ctc_/);
    const stored = await f.rows<{ content_sealed: string; status: string; decision_ledger_ids: string[] }>(
      sql`select content_sealed, status, decision_ledger_ids from messages where id = ${body.id}`,
    );
    expect(stored[0]?.content_sealed).toMatch(/^v1\./);
    expect(stored[0]?.content_sealed).not.toContain("1234");
    const got = await f.message(body.id);
    expect(got.body).toBe("Your code is 1234");
    expect(got.timeline.map((e) => e.type)).toEqual(["accepted", "decided"]);
    expect(got.timeline[1]).toMatchObject({ stage: "accept", reason: "transactional_basis" });
    const audit = await f.rows<{ action: string }>(
      sql`select action from audit_log where target_id = ${body.id}`,
    );
    expect(audit.map((a) => a.action)).toEqual(["message.accepted"]);
  });

  it("suppresses marketing without consent, queues it with a grant, suppresses it again after an opt-out", async () => {
    const c = await f.contact();
    const without = await f.send({
      contactId: c.contactId,
      channel: "sandbox",
      brandId: f.brandId,
      body: "Sale!",
    });
    expect(without.statusCode).toBe(202);
    expect(without.json()).toMatchObject({ status: "suppressed", reason: "consent_missing" });
    const grant = await f.grant(c.contactId);
    const withConsent = await f.send({
      to: c.address,
      channel: "sandbox",
      brandId: f.brandId,
      body: "Sale!",
    });
    expect(withConsent.json()).toMatchObject({ status: "queued", contactId: c.contactId });
    const decided = (await f.message(withConsent.json().id)).timeline.find((e) => e.type === "decided");
    expect(decided?.reason).toBe("consent_granted");
    expect(decided?.ledgerEntryIds).toContain(grant.id);
    const opt = await f.optOut(c.contactId);
    expect(
      await f.count(sql`id = ${withConsent.json().id} and status = 'suppressed' and reason = 'opted_out'`),
    ).toBe(1);
    const after = await f.send({ to: c.address, channel: "sandbox", brandId: f.brandId, body: "Sale!" });
    expect(after.json()).toMatchObject({ status: "suppressed", reason: "opted_out" });
    const stored = await f.rows<{ decision_ledger_ids: string[] }>(
      sql`select decision_ledger_ids from messages where id = ${after.json().id}`,
    );
    expect(stored[0]?.decision_ledger_ids).toContain(opt.ledgerEntryId);
    const transactional = await f.send({
      to: c.address,
      channel: "sandbox",
      brandId: f.brandId,
      category: "transactional",
      body: "Receipt",
    });
    expect(transactional.json()).toMatchObject({ status: "suppressed", reason: "opted_out" });
  });

  it("takes the campaign's category and refuses a category that contradicts it", async () => {
    const campaign = await withWorkspaceTx(s.ctx.db, f.workspaceId, (tx) =>
      createCampaign(tx, {
        workspaceId: f.workspaceId,
        brandId: f.brandId,
        name: `Receipts ${Date.now()}`,
        category: "transactional",
        channels: ["sandbox"],
        actor: testActor,
      }),
    );
    const ok = await f.send({
      to: "+442079460002",
      channel: "sandbox",
      brandId: f.brandId,
      campaignId: campaign.id,
      body: "Receipt",
    });
    expect(ok.json()).toMatchObject({ status: "queued" });
    const clash = await f.send({
      to: "+442079460002",
      channel: "sandbox",
      brandId: f.brandId,
      campaignId: campaign.id,
      category: "marketing",
      body: "x",
    });
    expect(clash.statusCode).toBe(400);
    expect(clash.json().error.field).toBe("category");
    const unknown = await f.send({
      to: "+442079460002",
      channel: "sandbox",
      brandId: f.brandId,
      campaignId: "cmp_nope",
      body: "x",
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.field).toBe("campaignId");
  });

  it("schedules a future send and answers notBefore", async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const r = await f.send({
      to: "+442079460003",
      channel: "sandbox",
      brandId: f.brandId,
      category: "transactional",
      body: "Later",
      scheduledAt: at,
    });
    expect(r.json()).toMatchObject({ status: "scheduled", notBefore: at });
    const got = await f.message(r.json().id);
    expect(got.timeline.map((e) => e.type)).toEqual(["accepted", "decided", "scheduled"]);
  });

  it("schedules marketing for the end of the brand's quiet hours and keeps the reason", async () => {
    const other = await messagingFixture(s, "Quiet");
    await other.sender();
    const hour = new Date().getUTCHours();
    const pad = (h: number) => `${String(h % 24).padStart(2, "0")}:00`;
    await withSystemTx(s.ctx.db, (tx) =>
      tx.execute(sql`update brands set settings = ${JSON.stringify({ quietHours: { start: pad(hour + 2), end: pad(hour + 3), timeZone: "UTC" } })}::jsonb
        where id = ${other.brandId}`),
    );
    const c = await other.contact("sandbox", "sandbox-user-1");
    await other.grant(c.contactId);
    const r = await other.send({
      contactId: c.contactId,
      channel: "sandbox",
      brandId: other.brandId,
      body: "Offer",
    });
    expect(r.json()).toMatchObject({ status: "scheduled", reason: "quiet_hours" });
    const notBefore = new Date(r.json().notBefore);
    expect(notBefore.getUTCHours()).toBe((hour + 2) % 24);
    expect(notBefore.getTime()).toBeGreaterThan(Date.now());
    const transactional = await other.send({
      contactId: c.contactId,
      channel: "sandbox",
      brandId: other.brandId,
      category: "transactional",
      body: "Receipt",
    });
    expect(transactional.json().status).toBe("queued");
  });

  it("keeps quiet hours in the local time of the number the message goes to, not the contact's first", async () => {
    const other = await messagingFixture(s, "Two numbers");
    await other.sender({ channel: "sms", providerId: "fake", address: "+14155550188" });
    // A window that is open in London now and shut in Tokyo (8 or 9 hours ahead) for the next hour.
    const london = new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/London",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(new Date(Date.now() - 30 * 60_000));
    const later = new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/London",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(new Date(Date.now() + 90 * 60_000));
    await withSystemTx(s.ctx.db, (tx) =>
      tx.execute(sql`update brands set settings = ${JSON.stringify({ quietHours: { start: london, end: later } })}::jsonb
        where id = ${other.brandId}`),
    );
    // The contact's first number is in Tokyo (its place), its second in London.
    const c = await other.contact("sms", "+81312345678");
    const added = await s.app.inject({
      method: "POST",
      url: `/v1/contacts/${c.contactId}/identities`,
      headers: other.auth,
      payload: { channel: "sms", address: "+44 20 7946 0957" },
    });
    expect(added.statusCode).toBe(201);
    await other.grant(c.contactId, ["sms"]);
    const toLondon = await other.send({
      to: "+442079460957",
      channel: "sms",
      brandId: other.brandId,
      body: "Hi",
    });
    expect(toLondon.json()).toMatchObject({ status: "queued" });
    const toTokyo = await other.send({
      to: "+81312345678",
      channel: "sms",
      brandId: other.brandId,
      body: "Hi",
    });
    expect(toTokyo.json()).toMatchObject({ status: "scheduled", reason: "quiet_hours" });
    // The advisory check answers the same for each number.
    const check = (to: string) =>
      s.app.inject({
        method: "POST",
        url: "/v1/consent/check",
        headers: other.auth,
        payload: { to, brandId: other.brandId, channel: "sms" },
      });
    expect((await check("+442079460957")).json()).toMatchObject({ allowed: true, reason: "consent_granted" });
    expect((await check("+81312345678")).json()).toMatchObject({ allowed: false, reason: "quiet_hours" });
  });

  it("refuses free-form WhatsApp outside the 24-hour window, allows templates and in-window text", async () => {
    const wa = await f.sender({ channel: "whatsapp", providerId: "fake" });
    const c = await f.contact("whatsapp", "+442079460004");
    const text = await f.send({
      to: c.address,
      channel: "whatsapp",
      brandId: f.brandId,
      category: "transactional",
      body: "hi",
    });
    expect(text.json()).toMatchObject({ status: "suppressed", reason: "outside_session_window" });
    const template = await f.send({
      to: c.address,
      channel: "whatsapp",
      brandId: f.brandId,
      category: "transactional",
      template: { name: "order_update", language: "en_US" },
    });
    expect(template.json()).toMatchObject({ status: "queued" });
    await f.tx((t) =>
      touchCustomerWindow(t, {
        workspaceId: f.workspaceId,
        contactId: c.contactId,
        channelAccountId: wa.id,
        at: new Date(),
      }),
    );
    const inWindow = await f.send({
      to: c.address,
      channel: "whatsapp",
      brandId: f.brandId,
      category: "transactional",
      body: "hi",
    });
    expect(inWindow.json()).toMatchObject({ status: "queued" });
  });

  /** The contact's last inbound message on the sender, `hoursAgo` before now (moved back if it was later). */
  function lastInbound(contactId: string, channelAccountId: string, hoursAgo: number) {
    const at = new Date(Date.now() - hoursAgo * 3_600_000);
    return f.tx((t) =>
      t.execute(sql`insert into customer_windows (workspace_id, contact_id, channel_account_id, last_inbound_at)
        values (${f.workspaceId}, ${contactId}, ${channelAccountId}, ${at})
        on conflict (workspace_id, channel_account_id, contact_id) do update set last_inbound_at = excluded.last_inbound_at`),
    );
  }

  it("refuses free-form WhatsApp when the window lapsed (last inbound 25 hours ago), allows it at 23 hours", async () => {
    const wa = await f.sender({ channel: "whatsapp", providerId: "fake", name: "WA lapsed" });
    const c = await f.contact("whatsapp", "+442079460031");
    const text = (n: number) =>
      f.send({
        to: c.address,
        channel: "whatsapp",
        brandId: f.brandId,
        category: "transactional",
        channelAccountId: wa.id,
        body: `hi ${n}`,
      });
    await lastInbound(c.contactId, wa.id, 25);
    const lapsed = await text(1);
    expect(lapsed.statusCode).toBe(202);
    expect(lapsed.json()).toMatchObject({ status: "suppressed", reason: "outside_session_window" });
    expect(await f.count(sql`id = ${lapsed.json().id} and due_at is null`)).toBe(1);
    await lastInbound(c.contactId, wa.id, 23);
    expect((await text(2)).json()).toMatchObject({ status: "queued" });
  });

  it("refuses free-form Instagram outside the 24-hour window (none, or lapsed) and allows it inside", async () => {
    const ig = await f.sender({ channel: "instagram", providerId: "fake", name: "IG window" });
    const c = await f.contact("instagram", "1527918224048531");
    const text = () =>
      f.send({
        to: c.address,
        channel: "instagram",
        brandId: f.brandId,
        category: "transactional",
        channelAccountId: ig.id,
        body: "Yes, still available",
      });
    expect((await text()).json()).toMatchObject({ status: "suppressed", reason: "outside_session_window" });
    await lastInbound(c.contactId, ig.id, 1);
    expect((await text()).json()).toMatchObject({ status: "queued" });
    await lastInbound(c.contactId, ig.id, 25);
    expect((await text()).json()).toMatchObject({ status: "suppressed", reason: "outside_session_window" });
  });

  it("sends Instagram's human_agent tag up to 7 days after the last inbound message, on Instagram only", async () => {
    const ig = await f.sender({ channel: "instagram", providerId: "fake", name: "IG agent" });
    const c = await f.contact("instagram", "1527918224048532");
    const send = (extra: Record<string, unknown>) =>
      f.send({
        to: c.address,
        channel: "instagram",
        brandId: f.brandId,
        category: "transactional",
        channelAccountId: ig.id,
        body: "An agent here",
        ...extra,
      });
    await lastInbound(c.contactId, ig.id, 3 * 24);
    expect((await send({})).json()).toMatchObject({ status: "suppressed", reason: "outside_session_window" });
    const tagged = await send({ tag: "human_agent" });
    expect(tagged.statusCode).toBe(202);
    expect(tagged.json()).toMatchObject({ status: "queued" });
    const shown = await s.app.inject({
      method: "GET",
      url: `/v1/messages/${tagged.json().id}`,
      headers: f.auth,
    });
    expect(shown.json()).toMatchObject({ tag: "human_agent", body: "An agent here" });
    await lastInbound(c.contactId, ig.id, 6 * 24 + 23);
    expect((await send({ tag: "human_agent" })).json()).toMatchObject({ status: "queued" });
    await lastInbound(c.contactId, ig.id, 7 * 24 + 1);
    expect((await send({ tag: "human_agent" })).json()).toMatchObject({
      status: "suppressed",
      reason: "outside_session_window",
    });
    const before = await f.count();
    for (const payload of [
      { to: "+442079460032", channel: "whatsapp", brandId: f.brandId, body: "x", tag: "human_agent" },
      { to: "+442079460032", channel: "sandbox", brandId: f.brandId, body: "x", tag: "human_agent" },
      { to: c.address, channel: "instagram", brandId: f.brandId, body: "x", tag: "HUMAN_AGENT" },
      { to: c.address, channel: "instagram", brandId: f.brandId, body: "x", tag: "" },
    ]) {
      const r = await f.send(payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().error).toMatchObject({ code: "validation_failed", field: "tag" });
    }
    expect(await f.count()).toBe(before);
  });

  it("names the field at fault and writes nothing", async () => {
    const before = await f.count();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ to: "not a number", channel: "sms", brandId: f.brandId, body: "x" }, 400, "to"],
      [{ to: "+442079460005", channel: "sandbox", brandId: f.brandId }, 400, "body"],
      [{ channel: "sandbox", brandId: f.brandId, body: "x" }, 400, "to"],
      [
        { to: "+442079460005", contactId: "ctc_x", channel: "sandbox", brandId: f.brandId, body: "x" },
        400,
        "contactId",
      ],
      [{ to: "+442079460005", channel: "sms", brandId: f.brandId, body: "x".repeat(1601) }, 400, "body"],
      [
        {
          to: "+442079460005",
          channel: "telegram",
          brandId: f.brandId,
          template: { name: "t", language: "en" },
        },
        400,
        "template",
      ],
      [{ to: "+442079460005", channel: "sandbox", brandId: f.brandId, body: "x", extra: 1 }, 400, "body"],
      [{ to: "+442079460005", channel: "sms", brandId: f.brandId, body: "x" }, 422, "brandId"],
      [
        {
          to: "+442079460005",
          channel: "sandbox",
          brandId: f.brandId,
          body: "x",
          channelAccountId: "chn_nope",
        },
        422,
        "channelAccountId",
      ],
      [
        { contactId: "ctc_00000000000000000000000000", channel: "sandbox", brandId: f.brandId, body: "x" },
        422,
        "contactId",
      ],
      [
        { to: "+442079460005", channel: "sandbox", brandId: f.brandId, body: "x", scheduledAt: "tomorrow" },
        400,
        "scheduledAt",
      ],
    ];
    for (const [payload, status, field] of cases) {
      const r = await f.send(payload);
      expect(r.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(status);
      if (field !== "body" || !("extra" in payload)) expect(r.json().error.field).toBe(field);
    }
    expect(await f.count()).toBe(before);
  });

  it("replays an Idempotency-Key with the first answer and refuses it for another body", async () => {
    const h = { "idempotency-key": `send-${Date.now()}` };
    const payload = {
      to: "+442079460006",
      channel: "sandbox",
      brandId: f.brandId,
      category: "transactional",
      body: "Once",
    };
    const first = await f.send(payload, h);
    const again = await f.send(payload, h);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual(first.json());
    const other = await f.send({ ...payload, body: "Twice" }, h);
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe("idempotency_conflict");
    expect(await f.count(sql`idempotency_key = ${h["idempotency-key"]}`)).toBe(1);
  });

  it("replays the same body with its keys in another order (metadata, template variables), at any depth", async () => {
    const h = { "idempotency-key": `reordered-${Date.now()}` };
    const base = { to: "+442079460016", channel: "sandbox", brandId: f.brandId, category: "transactional" };
    const first = await f.send(
      { ...base, body: "Shipped", metadata: { orderId: "1234", step: 2, express: true } },
      h,
    );
    expect(first.statusCode).toBe(202);
    const reordered = await f.send(
      { metadata: { express: true, step: 2, orderId: "1234" }, body: "Shipped", ...base },
      h,
    );
    expect(reordered.statusCode).toBe(202);
    expect(reordered.json()).toEqual(first.json());
    // Another value is still another request.
    const changed = await f.send(
      { ...base, body: "Shipped", metadata: { orderId: "1234", step: 3, express: true } },
      h,
    );
    expect(changed.statusCode).toBe(409);
    expect(await f.count(sql`idempotency_key = ${h["idempotency-key"]}`)).toBe(1);
    // Nested objects too (a WhatsApp template's variables), while arrays keep their order.
    const wa = await f.sender({
      channel: "whatsapp",
      providerId: "fake",
      address: "+15005550222",
      name: "WA",
    });
    const template = (variables: Record<string, string>) => ({
      to: "+442079460017",
      channel: "whatsapp",
      brandId: f.brandId,
      channelAccountId: wa.id,
      category: "transactional",
      template: { name: "order_update", language: "en", variables },
    });
    const k = { "idempotency-key": `reordered-template-${Date.now()}` };
    const t1 = await f.send(template({ name: "Ada", order: "1234" }), k);
    expect(t1.statusCode).toBe(202);
    const t2 = await f.send(template({ order: "1234", name: "Ada" }), k);
    expect(t2.statusCode).toBe(202);
    expect(t2.json().id).toBe(t1.json().id);
  });

  it("commits concurrent requests together, one bad item failing alone, duplicate keys answered once", async () => {
    const before = await f.count();
    const key = `dup-${Date.now()}`;
    const requests = Array.from({ length: 60 }, (_, n) => {
      if (n === 7) return f.send({ to: "garbage", channel: "sms", brandId: f.brandId, body: "x" });
      const headers: Record<string, string> = n % 10 === 3 ? { "idempotency-key": key } : {};
      return f.send(
        {
          to: `+4420794610${String(n).padStart(2, "0")}`,
          channel: "sandbox",
          brandId: f.brandId,
          category: "transactional",
          body: n % 10 === 3 ? "same" : `m${n}`,
        },
        headers,
      );
    });
    forgetContacts();
    const answers = await Promise.all(requests);
    expect(answers[7]?.statusCode).toBe(400);
    const dupIds = new Set(answers.filter((_, n) => n % 10 === 3).map((a) => a.json().id));
    // Same key, different recipients: the first is stored, the others are conflicts.
    const dupStatuses = answers
      .filter((_, n) => n % 10 === 3)
      .map((a) => a.statusCode)
      .sort();
    expect(dupStatuses).toEqual([202, 409, 409, 409, 409, 409]);
    expect(dupIds.size).toBe(6 - 5 + 1);
    const ok = answers.filter((a) => a.statusCode === 202);
    expect(ok).toHaveLength(60 - 1 - 5);
    expect(new Set(ok.map((a) => a.json().id)).size).toBe(ok.length);
    expect(await f.count()).toBe(before + ok.length);
  });

  it("never shows another workspace's message", async () => {
    const other = await messagingFixture(s, "Other");
    const r = await f.send({
      to: "+442079460007",
      channel: "sandbox",
      brandId: f.brandId,
      category: "transactional",
      body: "mine",
    });
    const got = await s.app.inject({
      method: "GET",
      url: `/v1/messages/${r.json().id}`,
      headers: other.auth,
    });
    expect(got.statusCode).toBe(404);
    const list = await s.app.inject({ method: "GET", url: "/v1/messages", headers: other.auth });
    expect(list.json().data).toHaveLength(0);
    const foreignSender = await f.send({
      to: "+442079460007",
      channel: "sandbox",
      brandId: other.brandId,
      category: "transactional",
      body: "x",
    });
    expect(foreignSender.statusCode).toBe(422);
  });

  it("lists with filters and a cursor, newest first", async () => {
    const c = await f.contact();
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      ids.push(
        (
          await f.send({
            contactId: c.contactId,
            channel: "sandbox",
            brandId: f.brandId,
            category: "transactional",
            body: `l${n}`,
          })
        ).json().id,
      );
    }
    const p1 = await s.app.inject({
      method: "GET",
      url: `/v1/messages?contactId=${c.contactId}&limit=2`,
      headers: f.auth,
    });
    expect(p1.json().data.map((m: { id: string }) => m.id)).toEqual([ids[2], ids[1]]);
    const p2 = await s.app.inject({
      method: "GET",
      url: `/v1/messages?contactId=${c.contactId}&limit=2&cursor=${p1.json().nextCursor}`,
      headers: f.auth,
    });
    expect(p2.json().data.map((m: { id: string }) => m.id)).toEqual([ids[0]]);
    expect(p2.json().nextCursor).toBeNull();
    const suppressed = await s.app.inject({
      method: "GET",
      url: "/v1/messages?status=suppressed&limit=200",
      headers: f.auth,
    });
    expect(suppressed.json().data.every((m: { status: string }) => m.status === "suppressed")).toBe(true);
    const bad = await s.app.inject({ method: "GET", url: "/v1/messages?status=nope", headers: f.auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("status");
  });

  it("random and malformed bodies never cause a 5xx or a half-written message", async () => {
    const before = await f.count();
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record(
            {
              to: fc.oneof(
                fc.string(),
                fc.constantFrom("+442079460100", "+15551234567", "whatsapp:+1"),
                fc.integer(),
              ),
              contactId: fc.oneof(fc.string(), fc.constant("ctc_00000000000000000000000000")),
              channel: fc.oneof(
                fc.constantFrom("sms", "whatsapp", "telegram", "instagram", "sandbox"),
                fc.string(),
              ),
              brandId: fc.oneof(fc.constant(f.brandId), fc.string()),
              category: fc.oneof(
                fc.constantFrom("marketing", "transactional", "authentication"),
                fc.string(),
              ),
              body: fc.oneof(fc.string(), fc.string({ maxLength: 5000 }), fc.integer()),
              media: fc.jsonValue(),
              template: fc.jsonValue(),
              scheduledAt: fc.oneof(
                fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
                fc.string(),
              ),
              metadata: fc.jsonValue(),
              tag: fc.oneof(fc.constant("human_agent"), fc.string(), fc.jsonValue()),
            },
            { requiredKeys: [] },
          ),
          fc.jsonValue(),
        ),
        async (payload) => {
          const r = await f.send(payload as Record<string, unknown>);
          expect(r.statusCode).toBeLessThan(500);
          if (r.statusCode === 202) accepted += 1;
        },
      ),
      { numRuns: 150 },
    );
    const raw = await s.app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: { ...f.auth, "content-type": "application/json" },
      payload: "{nope",
    });
    expect(raw.statusCode).toBe(400);
    expect(await f.count()).toBe(before + accepted);
  });
  it("audits a group commit with one event per workspace and actor that lists every accepted message", async () => {
    const contacts = await Promise.all(
      ["+33612345681", "+33612345682", "+33612345683"].map((a) => f.contact("sandbox", a)),
    );
    for (const c of contacts) await f.grant(c.contactId);
    const batcher = getSendBatcher(s.ctx);
    const submit = (address: string, n: number, actor = testActor) =>
      batcher.submit(
        prepareSendWork({
          workspaceId: f.workspaceId,
          actor,
          requestId: `req_batch_${n}`,
          request: {
            to: address,
            channel: "sandbox",
            brandId: f.brandId,
            category: "transactional",
            body: `B${n}`,
          },
        }),
      );
    // Submitted in one event-loop turn: one group commit.
    const other = { type: "api_key" as const, id: "key_other" };
    const accepted = await Promise.all([
      submit("+33612345681", 1),
      submit("+33612345682", 2),
      submit("+33612345683", 3),
      submit("+33612345681", 4, other),
    ]);
    const ids = accepted.map((a) => a.id);
    const audit = await f.rows<{
      action: string;
      actor_id: string;
      target_id: string | null;
      details: Record<string, unknown>;
    }>(
      sql`select action, actor_id, target_id, details from audit_log where workspace_id = ${f.workspaceId}
        and (target_id = any(${sql.param(ids)}::text[]) or details->>'messageIds' like ${`%${ids[0]}%`}) order by seq`,
    );
    expect(audit).toEqual([
      {
        action: "messages.accepted",
        actor_id: testActor.id,
        target_id: null,
        details: expect.objectContaining({
          count: 3,
          queued: 3,
          messageIds: ids.slice(0, 3).join(","),
          requestIds: "req_batch_1,req_batch_2,req_batch_3",
        }),
      },
      {
        action: "message.accepted",
        actor_id: "key_other",
        target_id: ids[3],
        details: expect.objectContaining({ status: "queued" }),
      },
    ]);
    expect((await verifyAuditChain(s.ctx.db, { workspaceId: f.workspaceId })).ok).toBe(true);
  });

  it("finds the contacts of addresses this process has not seen, in one group commit, and creates the others once", async () => {
    await f.sender({ channel: "sms", providerId: "fake" });
    const known = await f.contact("sandbox", "+33612345691");
    const onWhatsapp = await f.contact("whatsapp", "+33612345692");
    forgetContacts();
    const batcher = getSendBatcher(s.ctx);
    const submit = (channel: "sandbox" | "sms", to: string, n: number) =>
      batcher.submit(
        prepareSendWork({
          workspaceId: f.workspaceId,
          actor: testActor,
          request: { to, channel, brandId: f.brandId, category: "transactional", body: `R${n}` },
        }),
      );
    const [a, b, c, d] = await Promise.all([
      submit("sandbox", "+33612345691", 1),
      // The same phone number on another phone channel is the same contact.
      submit("sms", "+33 6 12 34 56 92", 2),
      submit("sandbox", "+33612345693", 3),
      submit("sandbox", "+33 6 12 34 56 93", 4),
    ]);
    expect(a?.contactId).toBe(known.contactId);
    expect(b?.contactId).toBe(onWhatsapp.contactId);
    expect(c?.contactId).toMatch(/^ctc_/);
    expect([known.contactId, onWhatsapp.contactId]).not.toContain(c?.contactId);
    expect(d?.contactId).toBe(c?.contactId);
    const created = await f.rows<{ n: number }>(
      sql`select count(*)::int as n from contact_identities where workspace_id = ${f.workspaceId}
        and contact_id = ${c?.contactId ?? ""}`,
    );
    expect(created[0]?.n).toBe(1);
  });
});

describe("the 202 answer's JSON text", () => {
  it("is byte for byte JSON.stringify of the presented answer", () => {
    fc.assert(
      fc.property(
        fc.record({
          id: fc.string(),
          status: fc.constantFrom(...messageStatuses),
          reason: fc.option(fc.string(), { nil: null }),
          notBefore: fc.option(fc.date({ noInvalidDate: true }), { nil: null }),
          contactId: fc.string(),
          channelAccountId: fc.string(),
        }),
        (a) => {
          const presented = presentAccepted({
            ...a,
            createdAt: new Date(0),
            replayed: false,
            twilioSid: null,
          });
          expect(acceptedJsonText(presented)).toBe(JSON.stringify(presented));
        },
      ),
    );
  });
});
