import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildInstagramTextWebhook,
  buildTelegramTextUpdate,
  buildWhatsAppStatusWebhook,
  buildWhatsAppTextWebhook,
  startFakeInstagramServer,
  startFakeTelegramServer,
  type TFakeInstagramServer,
  type TFakeTelegramServer,
} from "../channels/testing/index.js";
import { startDispatcher } from "../messaging/index.js";
import {
  contactOf,
  count,
  createInboundServer,
  creds,
  ledger,
  postWebhook,
  send,
  signedMeta,
  statuses,
  type TInboundServer,
  type TInboundWorld,
} from "./testing/inbound-fixture.js";
import { findPlaintext } from "./testing/plaintext-scan.js";

/**
 * Telegram chat ids (a private chat's id is the user's id), Instagram-scoped ids and WhatsApp message ids
 * (a wamid carries the number, base64-encoded) are personal identifiers: none is written to any column in
 * the clear. Redelivered webhooks are still duplicates, and Telegram Business replies still go through
 * the customer's connection.
 */
let s: TInboundServer;
let w: TInboundWorld;
let tg: TFakeTelegramServer;
let ig: TFakeInstagramServer;
let stopDispatcher: () => Promise<void>;

const owner = { id: 6100000042, is_bot: false, first_name: "Shop owner" };
const businessCustomer = { id: 6200000043, is_bot: false, first_name: "Business customer" };
const botCustomer = 6300000044;
const blocker = 6400000045;
const tapper = { id: 6500000046, is_bot: false, first_name: "Tapper" };
const igsid = "6911223344556677";
const igPostbacker = "6922334455667788";
const waNumber = "15550123456";
/** A wamid as Meta writes them: base64 of a record holding the number (15550123456). */
const wamidBody = "HBgLMTU1NTAxMjM0NTYVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=";
/** Our earlier message to that number, which the customer's message replies to (its context.id). */
const contextWamidBody = "HBgLMTU1NTAxMjM0NTYVAgARGBI0MzJFNkE3RjIyQzlCNzE5QTcA";

const tgHeaders = {
  "content-type": "application/json",
  "x-telegram-bot-api-secret-token": creds.telegram.webhookSecret,
};

async function until<T>(what: string, read: () => T | Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function telegramUpdates(now: number): unknown[] {
  return [
    {
      update_id: 8101,
      business_connection: {
        id: "bc-at-rest",
        user: owner,
        user_chat_id: owner.id,
        date: now - 60,
        is_enabled: true,
        rights: { can_reply: true },
      },
    },
    {
      update_id: 8102,
      business_message: {
        message_id: 21,
        business_connection_id: "bc-at-rest",
        from: businessCustomer,
        chat: { id: businessCustomer.id, type: "private", first_name: "Business customer" },
        date: now,
        text: "STOP",
        reply_to_message: { message_id: 5 },
      },
    },
    {
      ...buildTelegramTextUpdate({ updateId: 8103, chatId: botCustomer, messageId: 31, text: "hello" }),
    },
    {
      update_id: 8104,
      callback_query: {
        id: "4382000000000000046",
        from: tapper,
        message: { message_id: 41, chat: { id: tapper.id, type: "private" } },
        data: "more",
      },
    },
    buildTelegramTextUpdate({ updateId: 8105, chatId: blocker, messageId: 51, text: "hi" }),
    {
      update_id: 8106,
      my_chat_member: {
        chat: { id: blocker, type: "private" },
        from: { id: blocker, is_bot: false },
        date: now,
        old_chat_member: { status: "member" },
        new_chat_member: { status: "kicked" },
      },
    },
  ];
}

function metaDeliveries(): { accountId: string; body: string; headers: Record<string, string> }[] {
  const time = Date.now();
  const withReply = buildInstagramTextWebhook({
    igId: creds.instagram.igId,
    from: igsid,
    mid: "m_at_rest_1",
    text: "unsubscribe",
    replyToMid: "m_at_rest_0",
  });
  const postback = {
    object: "instagram",
    entry: [
      {
        id: creds.instagram.igId,
        time,
        messaging: [
          {
            sender: { id: igPostbacker },
            recipient: { id: creds.instagram.igId },
            timestamp: time,
            postback: { title: "Get started", payload: "GET_STARTED" },
          },
        ],
      },
    ],
  };
  const whatsapp = buildWhatsAppTextWebhook({
    phoneNumberId: creds.whatsapp.phoneNumberId,
    from: waNumber,
    id: `wamid.${wamidBody}`,
    body: "hello",
    contextId: `wamid.${contextWamidBody}`,
  });
  return [
    { accountId: w.senders.instagram.id, ...signedMeta(creds.instagram.appSecret, withReply) },
    { accountId: w.senders.instagram.id, ...signedMeta(creds.instagram.appSecret, postback) },
    { accountId: w.senders.whatsapp.id, ...signedMeta(creds.whatsapp.appSecret, whatsapp) },
  ];
}

describe("personal identifiers in provider ids are not stored in the clear", () => {
  beforeAll(async () => {
    s = await createInboundServer();
    w = await s.world("At rest");
    tg = await startFakeTelegramServer({ botToken: creds.telegram.botToken });
    ig = await startFakeInstagramServer({
      accessToken: creds.instagram.accessToken,
      igId: creds.instagram.igId,
    });
    stopDispatcher = await startDispatcher(s.ctx, {
      baseUrls: { "telegram-bot": tg.url, instagram: ig.url },
      pollMs: 20,
    });
  });
  afterAll(async () => {
    await stopDispatcher?.();
    await Promise.all([tg?.close(), ig?.close()]);
    await s?.close();
  });

  it("Telegram, Instagram and WhatsApp ids: hashed or sealed; redeliveries are duplicates; business replies route", async () => {
    const now = Math.floor(Date.now() / 1000);
    const updates = telegramUpdates(now).map((u) => JSON.stringify(u));
    const meta = metaDeliveries();
    for (const body of updates) {
      const r = await postWebhook(s.app, w.senders.telegram.id, body, tgHeaders);
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ duplicates: 0, rejected: 0 });
    }
    for (const d of meta) {
      const r = await postWebhook(s.app, d.accountId, d.body, d.headers);
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ received: 1, duplicates: 0, rejected: 0 });
    }
    // The STOP written through the business connection is answered through it.
    const toBusinessCustomer = await until(
      "the confirmation through the business connection",
      () => tg.accepted.filter((a) => String(a.params.chat_id) === String(businessCustomer.id)),
      (a) => a.length >= 1,
    );
    expect(toBusinessCustomer).toHaveLength(1);
    expect(toBusinessCustomer[0]?.params.business_connection_id).toBe("bc-at-rest");
    // A message to the customer of the bot's own chat goes from the bot, and is recorded as sent.
    const contactId = (await contactOf(s, w, "telegram", String(botCustomer))) ?? "";
    expect(contactId).not.toBe("");
    const shipped = await send(s, w, {
      to: String(botCustomer),
      channel: "telegram",
      channelAccountId: w.senders.telegram.id,
      category: "transactional",
      body: "Your order shipped",
    });
    await until(
      "the Instagram confirmation",
      () => ig.accepted,
      (a) => a.length >= 1,
    );
    const outbound = await s.database.query<{ id: string }>(
      "select id from messages where workspace_id = $1",
      [w.ws.workspaceId],
    );
    expect(outbound.length).toBe(3);
    await until(
      "every send recorded",
      () =>
        statuses(
          s,
          outbound.map((m) => m.id),
        ),
      (st) => Object.values(st).every((x) => x.status === "sent"),
    );
    expect(
      tg.accepted.find((a) => a.params.text === "Your order shipped")?.params.business_connection_id,
    ).toBe(undefined);
    expect(shipped.status).toBe("queued");

    // Every delivery again, as providers retry: nothing new is stored, nothing more is sent.
    const inboundBefore = await count(s, "select count(*) as n from inbound_messages");
    expect(inboundBefore).toBe(7);
    for (const [i, body] of updates.entries()) {
      const r = await postWebhook(s.app, w.senders.telegram.id, body, tgHeaders);
      expect(r.statusCode, r.body).toBe(200);
      // Updates 2–5 are messages (duplicates); the connection and the block are recorded as they were.
      expect(r.json().duplicates, `update ${i}`).toBe(i >= 1 && i <= 4 ? 1 : 0);
    }
    for (const d of meta) {
      const r = await postWebhook(s.app, d.accountId, d.body, d.headers);
      expect(r.json()).toMatchObject({ received: 1, duplicates: 1 });
    }
    expect(await count(s, "select count(*) as n from inbound_messages")).toBe(inboundBefore);
    await new Promise((r) => setTimeout(r, 100));
    expect(tg.accepted.filter((a) => String(a.params.chat_id) === String(businessCustomer.id))).toHaveLength(
      1,
    );
    expect(ig.accepted).toHaveLength(1);

    const personal = [
      owner.id,
      businessCustomer.id,
      botCustomer,
      blocker,
      tapper.id,
      igsid,
      igPostbacker,
      waNumber,
      wamidBody,
      contextWamidBody,
    ].map(String);
    expect(await findPlaintext(s.database, personal)).toEqual([]);
  });

  it("a provider opt-out read from a failed status is de-duplicated on a keyed hash of its wamid", async () => {
    const statusWamidBody = "HBgLMTU1NTAxMjM0NTYVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA";
    const m = signedMeta(
      creds.whatsapp.appSecret,
      buildWhatsAppStatusWebhook({
        phoneNumberId: creds.whatsapp.phoneNumberId,
        id: `wamid.${statusWamidBody}`,
        status: "failed",
        recipientId: waNumber,
        errorCode: 131050,
      }),
    );
    const contactId = (await contactOf(s, w, "whatsapp", waNumber)) ?? "";
    for (let i = 0; i < 2; i++)
      expect((await postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers)).statusCode).toBe(200);
    expect((await ledger(s, contactId)).map((e) => [e.kind, e.method])).toEqual([
      ["opt_out", "provider_preference"],
    ]);
    // Not the inbound module's: messaging keeps a status it cannot match yet, with its provider id, in
    // orphan_status_events (until its sweep applies it).
    const hits = await findPlaintext(s.database, [statusWamidBody]);
    expect(hits.filter((h) => h.table !== "orphan_status_events")).toEqual([]);
  });
});
