import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../test/server.js";
import { migrate } from "../../core/db/migrate.js";
import { withSystemTx } from "../../core/db/tx.js";
import { encryptField } from "../../core/keyring.js";
import { buildWhatsAppStatusWebhook, signMetaWebhook } from "../channels/testing/index.js";
import { createDatabaseBefore } from "../inbound/testing/database-before.js";
import { findPlaintext } from "../inbound/testing/plaintext-scan.js";
import { backfillProviderMessageIds } from "./backfill-provider-message-ids.js";
import { reconcileOrphanStatuses } from "./dispatch/reconcile-orphan-statuses.js";
import { recordSendResults } from "./dispatch/record-send-results.js";
import { startDispatcher } from "./dispatch/start-dispatcher.js";
import { providerIdRef } from "./provider-id-ref.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  waitUntil,
} from "./testing/messaging-fixture.js";

/**
 * Rows written before migration 0354 hold wamids in the clear (messages, message_provider_ids,
 * orphan_status_events). Until the backfill hashes and seals them, statuses still find them by their plain
 * ids; afterwards no plain wamid is left and statuses (and kept statuses) still match. A Twilio SID names
 * no one and stays as it is.
 */
const wa = {
  phoneNumberId: "106540352242922",
  accessToken: "EAAtest",
  appSecret: "wa-app-secret",
  verifyToken: "wa-verify",
};
const twilioCreds = {
  accountSid: `AC${"a1".repeat(16)}`,
  authToken: "twilio-auth-token",
  from: "+15005550006",
};
const number = "15550199001";
/** Wamids as Meta writes them: base64 of a record holding the number (15550199001). */
const bodies = {
  delivered: "HBgLMTU1NTAxOTkwMDEVAgARGBI0QTFGMDBDRDQ0RDk3RTI2MzgA",
  raced: "HBgLMTU1NTAxOTkwMDEVAgARGBI3QjJFMTFERTU1RUE4RjM3NDkA",
  early: "HBgLMTU1NTAxOTkwMDEVAgARGBJBQzNGMjJFRjY2RkI5MDQ4NUEA",
  late: "HBgLMTU1NTAxOTkwMDEVAgARGBJEMTRBMzNGMDc3MEM4QTE1OTYA",
};
const wamid = (body: string) => `wamid.${body}`;
const sid = "SM0123456789abcdef0123456789abcdef";

let s: TTestServer;
let f: TMessagingFixture;
let waSender = "";
let twSender = "";
let contactId = "";

/** A message as the code before migration 0354 stored it: its provider id in the clear, in both places. */
async function legacyMessage(o: {
  id: string;
  sender: string;
  channel: string;
  status: string;
  pid: string | null;
}) {
  await s.database.query(
    `insert into messages (id, workspace_id, brand_id, contact_id, channel, channel_account_id, category, source,
       status, accept_status, content_kind, content_sealed, provider_message_id, attempts, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, 'transactional', 'api', $7, 'queued', 'text', $8, $9, 1, now(), now())`,
    [
      o.id,
      f.workspaceId,
      f.brandId,
      contactId,
      o.channel,
      o.sender,
      o.status,
      encryptField(f.keys, f.workspaceId, JSON.stringify({ to: `+${number}`, body: "Your order shipped" })),
      o.pid,
    ],
  );
  if (o.pid !== null)
    await s.database.query(
      `insert into message_provider_ids (channel_account_id, provider_message_id, message_id, workspace_id)
       values ($1, $2, $3, $4)`,
      [o.sender, o.pid, o.id, f.workspaceId],
    );
}

async function legacyOrphan(pid: string) {
  await s.database.query(
    `insert into orphan_status_events (workspace_id, channel_account_id, provider_message_id, status, at)
     values ($1, $2, $3, 'delivered', now())`,
    [f.workspaceId, waSender, pid],
  );
}

async function status(pid: string, value: "delivered" | "read") {
  const body = JSON.stringify(
    buildWhatsAppStatusWebhook({
      phoneNumberId: wa.phoneNumberId,
      id: pid,
      status: value,
      recipientId: number,
    }),
  );
  const r = await s.app.inject({
    method: "POST",
    url: `/webhooks/${waSender}`,
    headers: {
      "content-type": "application/json",
      "x-hub-signature-256": signMetaWebhook(wa.appSecret, body),
    },
    payload: body,
  });
  expect(r.statusCode, r.body).toBe(200);
}

const personal = [...Object.values(bodies), number];

describe("wamids stored before migration 0354", () => {
  beforeAll(async () => {
    const database = await createDatabaseBefore("0354");
    s = await messagingTestServer({ database });
    f = await messagingFixture(s, "Legacy outbound ids");
    waSender = (await f.sender({ channel: "whatsapp", providerId: "whatsapp-cloud", credentials: wa })).id;
    twSender = (await f.sender({ channel: "sms", providerId: "twilio", credentials: twilioCreds })).id;
    contactId = (await f.contact("whatsapp", `+${number}`)).contactId;
    await legacyMessage({
      id: "msg_legacy_wa1",
      sender: waSender,
      channel: "whatsapp",
      status: "sent",
      pid: wamid(bodies.delivered),
    });
    // Its delivered status raced the recording and was kept (the sweep had not applied it yet).
    await legacyMessage({
      id: "msg_legacy_wa2",
      sender: waSender,
      channel: "whatsapp",
      status: "sent",
      pid: wamid(bodies.raced),
    });
    await legacyOrphan(wamid(bodies.raced));
    // Its delivered status came before the send's answer, which is recorded after the upgrade.
    await legacyMessage({
      id: "msg_legacy_wa3",
      sender: waSender,
      channel: "whatsapp",
      status: "sending",
      pid: null,
    });
    await legacyOrphan(wamid(bodies.early));
    await legacyMessage({ id: "msg_legacy_sms", sender: twSender, channel: "sms", status: "sent", pid: sid });
    await migrate(database);
  });
  afterAll(async () => s?.close());

  it("before the backfill, statuses find the plain wamids, and a send recorded now takes its plain orphan", async () => {
    await status(wamid(bodies.delivered), "delivered");
    expect(await f.message("msg_legacy_wa1")).toMatchObject({
      status: "delivered",
      providerMessageId: wamid(bodies.delivered),
    });
    await withSystemTx(s.ctx.db, (tx) =>
      recordSendResults(
        tx,
        [
          {
            kind: "sent",
            id: "msg_legacy_wa3",
            workspaceId: f.workspaceId,
            claim: { holder: "worker", attempts: 1 },
            channelAccountId: waSender,
            providerMessageId: wamid(bodies.early),
            protectId: (id) => providerIdRef(id, { keys: f.keys, workspaceId: f.workspaceId }),
            acceptedAt: new Date(),
            statusCallbackUrl: null,
            callbackKeyId: null,
          },
        ],
        new Date(),
      ),
    );
    expect(await f.message("msg_legacy_wa3")).toMatchObject({
      status: "delivered",
      providerMessageId: wamid(bodies.early),
    });
    expect(await findPlaintext(s.database, [bodies.early])).toEqual([]);
  });

  it("the backfill leaves no plain wamid; statuses and the kept status still match; SIDs stay", async () => {
    expect((await findPlaintext(s.database, personal)).map((h) => h.table).sort()).toEqual([
      "message_provider_ids",
      "message_provider_ids",
      "messages",
      "messages",
      "orphan_status_events",
    ]);
    expect(await backfillProviderMessageIds(s.ctx, { batchSize: 1 })).toEqual({
      providerIds: 2,
      messages: 2,
      orphans: 1,
    });
    expect(await findPlaintext(s.database, personal)).toEqual([]);
    await status(wamid(bodies.delivered), "read");
    expect(await f.message("msg_legacy_wa1")).toMatchObject({
      status: "read",
      providerMessageId: wamid(bodies.delivered),
    });
    // The kept status of the raced message, now hashed, is found by the sweep through the hashed id.
    expect(await reconcileOrphanStatuses(s.ctx.db)).toBe(1);
    expect(await f.message("msg_legacy_wa2")).toMatchObject({
      status: "delivered",
      providerMessageId: wamid(bodies.raced),
    });
    expect(await f.message("msg_legacy_sms")).toMatchObject({ providerMessageId: sid });
    expect(
      await s.database.query(
        "select provider_message_id from message_provider_ids where message_id = 'msg_legacy_sms'",
      ),
    ).toEqual([{ provider_message_id: sid }]);
    expect(await backfillProviderMessageIds(s.ctx)).toEqual({ providerIds: 0, messages: 0, orphans: 0 });
    expect(await findPlaintext(s.database, personal)).toEqual([]);
  });

  it("a dispatcher converts plain wamids when it starts (one written by a worker not yet upgraded)", async () => {
    await legacyMessage({
      id: "msg_legacy_wa4",
      sender: waSender,
      channel: "whatsapp",
      status: "sent",
      pid: wamid(bodies.late),
    });
    expect(await findPlaintext(s.database, [bodies.late])).not.toEqual([]);
    const stop = await startDispatcher(s.ctx, { pollMs: 20 });
    try {
      await waitUntil(async () => (await findPlaintext(s.database, [bodies.late])).length === 0, {
        what: "the dispatcher's backfill",
      });
    } finally {
      await stop();
    }
    expect(await f.message("msg_legacy_wa4")).toMatchObject({ providerMessageId: wamid(bodies.late) });
  });
});
