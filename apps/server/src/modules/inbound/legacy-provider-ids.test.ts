import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../core/db/migrate.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { encryptField } from "../../core/keyring.js";
import {
  buildTelegramTextUpdate,
  buildWhatsAppStatusWebhook,
  buildWhatsAppTextWebhook,
} from "../channels/testing/index.js";
import { resolveContactByAddress } from "../contacts/index.js";
import { backfillProviderIds } from "./backfill-provider-ids.js";
import { createDatabaseBefore } from "./testing/database-before.js";
import {
  count,
  createInboundServer,
  creds,
  ledger,
  postWebhook,
  signedMeta,
  type TInboundServer,
  type TInboundWorld,
} from "./testing/inbound-fixture.js";
import { findPlaintext } from "./testing/plaintext-scan.js";

/**
 * Rows written before migrations 0352 and 0353 hold Telegram chat ids, IGSIDs and wamids in the clear.
 * The migrations convert what SQL can (no key needed); the rest stays findable by its plain id until
 * the backfill hashes and seals it, after which no plain id is left and every lookup still works.
 */
let s: TInboundServer;
let w: TInboundWorld;
const contacts = { business: "", whatsapp: "" };

const botCustomer = 6300000044;
const businessCustomer = 6200000043;
const owner = "6100000042";
const igPostbacker = "6922334455667788";
const postbackAt = 1_750_000_000_000;
const waNumber = "33612349001";
/** Base64 of a record holding the number, as Meta's wamids are. */
const wamidBody = "HBgLMzM2MTIzNDkwMDEVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=";
const statusWamid = "wamid.HBgLMzM2MTIzNDkwMDEVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA";

const tgHeaders = {
  "content-type": "application/json",
  "x-telegram-bot-api-secret-token": creds.telegram.webhookSecret,
};

/** A stored inbound message as the code before migration 0353 wrote it: its provider ids in the clear. */
async function legacyInbound(row: {
  id: string;
  sender: string;
  channel: string;
  contactId: string;
  key: string;
  replyTo?: string;
}) {
  await s.database.query(
    `insert into inbound_messages (id, workspace_id, brand_id, channel_account_id, channel, provider_message_id,
       contact_id, reply_to_provider_message_id, received_at, created_at, intent, intent_confidence,
       intent_language, intent_source, intent_uncertain, action)
     values ($1, $2, $3, $4, $5, $6, $7, $8, now(), now(), 'none', 0.9, 'en', 'model', false, 'none')`,
    [
      row.id,
      w.ws.workspaceId,
      w.ws.brandId,
      row.sender,
      row.channel,
      row.key,
      row.contactId,
      row.replyTo ?? null,
    ],
  );
}

function redeliveries() {
  const now = Math.floor(Date.now() / 1000);
  const postback = {
    object: "instagram",
    entry: [
      {
        id: creds.instagram.igId,
        time: postbackAt,
        messaging: [
          {
            sender: { id: igPostbacker },
            recipient: { id: creds.instagram.igId },
            timestamp: postbackAt,
            postback: { title: "Get started", payload: "GET_STARTED" },
          },
        ],
      },
    ],
  };
  return [
    {
      to: w.senders.telegram.id,
      body: JSON.stringify(
        buildTelegramTextUpdate({ updateId: 1, chatId: botCustomer, messageId: 31, text: "hi" }),
      ),
      headers: tgHeaders,
    },
    {
      to: w.senders.telegram.id,
      body: JSON.stringify({
        update_id: 2,
        business_message: {
          message_id: 21,
          business_connection_id: "bc-legacy",
          from: { id: businessCustomer, is_bot: false, first_name: "Customer" },
          chat: { id: businessCustomer, type: "private" },
          date: now,
          text: "STOP",
        },
      }),
      headers: tgHeaders,
    },
    { to: w.senders.instagram.id, ...signedMeta(creds.instagram.appSecret, postback) },
    {
      to: w.senders.whatsapp.id,
      ...signedMeta(
        creds.whatsapp.appSecret,
        buildWhatsAppTextWebhook({
          phoneNumberId: creds.whatsapp.phoneNumberId,
          from: waNumber,
          id: `wamid.${wamidBody}`,
          body: "STOP",
        }),
      ),
    },
  ];
}

/** Every legacy message delivered again: each is a duplicate. */
async function expectDuplicates(): Promise<void> {
  for (const d of redeliveries()) {
    const r = await postWebhook(s.app, d.to, d.body, d.headers);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json(), d.body).toMatchObject({ received: 1, duplicates: 1, rejected: 0 });
  }
  expect(await count(s, "select count(*) as n from inbound_messages")).toBe(5);
}

/** WhatsApp's failed status 131050 of a message whose opt-out was recorded before the migration. */
async function redeliverOptOutStatus(): Promise<void> {
  const m = signedMeta(
    creds.whatsapp.appSecret,
    buildWhatsAppStatusWebhook({
      phoneNumberId: creds.whatsapp.phoneNumberId,
      id: statusWamid,
      status: "failed",
      recipientId: waNumber,
      errorCode: 131050,
    }),
  );
  expect((await postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers)).statusCode).toBe(200);
  expect(await ledger(s, contacts.whatsapp)).toEqual([]);
}

const personal = [
  String(botCustomer),
  String(businessCustomer),
  owner,
  igPostbacker,
  wamidBody,
  statusWamid.slice("wamid.".length),
];

describe("provider ids stored before migrations 0352 and 0353", () => {
  beforeAll(async () => {
    const database = await createDatabaseBefore("0352");
    s = await createInboundServer({ database });
    w = await s.world("Legacy");
    const make = (channel: "telegram" | "instagram" | "whatsapp", address: string) =>
      withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
        resolveContactByAddress(tx, w.keys, {
          workspaceId: w.ws.workspaceId,
          channel,
          address,
          create: true,
        }),
      );
    const tg = w.senders.telegram.id;
    const botContact = (await make("telegram", String(botCustomer)))?.contactId ?? "";
    contacts.business = (await make("telegram", String(businessCustomer)))?.contactId ?? "";
    contacts.whatsapp = (await make("whatsapp", waNumber))?.contactId ?? "";
    const igContact = (await make("instagram", igPostbacker))?.contactId ?? "";
    const rowsBefore = [
      {
        sender: tg,
        channel: "telegram",
        contactId: botContact,
        key: `${botCustomer}:31`,
        replyTo: `${botCustomer}:30`,
      },
      {
        sender: tg,
        channel: "telegram",
        contactId: contacts.business,
        key: `bc-legacy:${businessCustomer}:21`,
      },
      {
        sender: w.senders.instagram.id,
        channel: "instagram",
        contactId: igContact,
        key: `postback:${igPostbacker}:${postbackAt}`,
      },
      {
        sender: w.senders.whatsapp.id,
        channel: "whatsapp",
        contactId: contacts.whatsapp,
        key: `wamid.${wamidBody}`,
        replyTo: statusWamid,
      },
      // Twilio: nothing personal in its id, converted all the same.
      {
        sender: w.senders.twilio.id,
        channel: "sms",
        contactId: contacts.whatsapp,
        key: "SM00000000000000000000000000000001",
      },
    ];
    for (const [n, row] of rowsBefore.entries()) await legacyInbound({ id: `inb_legacy_${n + 1}`, ...row });
    await s.database.query(
      `insert into telegram_business_connections (workspace_id, channel_account_id, business_connection_id,
         user_chat_id, enabled, can_reply, changed_at) values ($1, $2, 'bc-legacy', $3, true, true, now())`,
      [w.ws.workspaceId, tg, owner],
    );
    await s.database.query(
      `insert into messages (id, workspace_id, brand_id, contact_id, channel, channel_account_id, category, source,
         status, accept_status, content_kind, content_sealed, provider_message_id, created_at, updated_at)
       values ('msg_legacy_tg', $1, $2, $3, 'telegram', $4, 'transactional', 'api', 'sent', 'queued', 'text', $5,
         $6, now(), now())`,
      [
        w.ws.workspaceId,
        w.ws.brandId,
        contacts.business,
        tg,
        encryptField(w.keys, w.ws.workspaceId, JSON.stringify({ body: "Thanks" })),
        `${businessCustomer}:9`,
      ],
    );
    await s.database.query(
      `insert into message_provider_ids (channel_account_id, provider_message_id, message_id, workspace_id)
       values ($1, $2, 'msg_legacy_tg', $3)`,
      [tg, `${businessCustomer}:9`, w.ws.workspaceId],
    );
    await s.database.query(
      `insert into inbound_event_receipts (workspace_id, channel_account_id, dedupe_index, kind, received_at)
       values ($1, $2, $3, 'provider_opt_out', now())`,
      [w.ws.workspaceId, w.senders.whatsapp.id, `provider_opt_out:status:${statusWamid}`],
    );
    await migrate(database);
  });
  afterAll(async () => s?.close());

  it("the migrations cut Telegram chat ids out of provider ids and drop the business user's chat id", async () => {
    const columns = await s.database.query<{ column_name: string }>(
      "select column_name from information_schema.columns where table_name = 'telegram_business_connections'",
    );
    expect(columns.map((c) => c.column_name)).not.toContain("user_chat_id");
    expect(await s.database.query("select enabled, can_reply from telegram_business_connections")).toEqual([
      { enabled: true, can_reply: true },
    ]);
    expect(
      await s.database.query("select provider_message_id from messages where id = 'msg_legacy_tg'"),
    ).toEqual([{ provider_message_id: "9" }]);
    expect(
      await s.database.query(
        "select provider_message_id from message_provider_ids where message_id = 'msg_legacy_tg'",
      ),
    ).toEqual([{ provider_message_id: "9" }]);
    expect(
      await s.database.query(
        "select reply_to_provider_message_id from inbound_messages where id = 'inb_legacy_1'",
      ),
    ).toEqual([{ reply_to_provider_message_id: "30" }]);
  });

  it("before the backfill, a redelivery of a message or of an opt-out status stored then is a duplicate", async () => {
    await expectDuplicates();
    await redeliverOptOutStatus();
  });

  it("the backfill leaves no plain provider id, and redeliveries are still duplicates", async () => {
    expect((await findPlaintext(s.database, personal)).length).toBeGreaterThan(0);
    expect(await backfillProviderIds(s.ctx, { batchSize: 2 })).toEqual({ inboundMessages: 5, receipts: 1 });
    // Not the inbound module's: messaging keeps a status it cannot match yet, with its provider id (a
    // wamid), in orphan_status_events, until its sweep applies it.
    const hits = await findPlaintext(s.database, personal);
    expect(hits.filter((h) => h.table !== "orphan_status_events")).toEqual([]);
    const sealed = await s.database.query<{ reply_to_sealed: string | null }>(
      "select reply_to_sealed from inbound_messages where id = 'inb_legacy_4'",
    );
    expect(sealed[0]?.reply_to_sealed).toMatch(/^v1\./);
    await expectDuplicates();
    await redeliverOptOutStatus();
    expect(await backfillProviderIds(s.ctx)).toEqual({ inboundMessages: 0, receipts: 0 });
  });
});
