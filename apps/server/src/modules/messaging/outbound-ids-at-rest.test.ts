import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../test/server.js";
import { encryptField } from "../../core/keyring.js";
import {
  buildInstagramTextWebhook,
  buildWhatsAppStatusWebhook,
  signMetaWebhook,
  startFakeInstagramServer,
  startFakeWhatsAppServer,
  type TFakeInstagramServer,
  type TFakeWhatsAppServer,
} from "../channels/testing/index.js";
import { findPlaintext } from "../inbound/testing/plaintext-scan.js";
import { reconcileOrphanStatuses } from "./dispatch/reconcile-orphan-statuses.js";
import { startDispatcher } from "./dispatch/start-dispatcher.js";
import { providerMessageIndex } from "./provider-id-ref.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  waitUntil,
} from "./testing/messaging-fixture.js";

/**
 * WhatsApp Cloud wamids (the recipient's number, base64-encoded) and Instagram message ids (they name the
 * conversation) are stored only as keyed hashes and sealed: after sends and status webhooks through the
 * whole pipeline no column holds one in the clear, statuses still find their messages (also a status that
 * arrives before its send was recorded, and one that raced the recording), and GET /v1/messages/{id}
 * still shows the provider's id.
 */
const wa = {
  phoneNumberId: "106540352242922",
  accessToken: "EAAtest",
  appSecret: "wa-app-secret",
  verifyToken: "wa-verify",
};
const ig = {
  igId: "17841400000000001",
  accessToken: "ig-test-token",
  appSecret: "ig-app-secret",
  verifyToken: "ig-verify",
};
const igsid = "6911223344556699";

let s: TTestServer;
let f: TMessagingFixture;
let waServer: TFakeWhatsAppServer;
let igServer: TFakeInstagramServer;
let stopDispatcher: () => Promise<void>;
let waSender = "";
let igSender = "";
/** Recipients whose send answer is held until a status webhook for it went through (status first). */
const statusFirst = new Set<string>();
/** What was seen while a held answer waited: the orphan kept for it, and any plain wamid in the database. */
const whileHeld: { orphans: { index: boolean; sealed: boolean; plain: boolean }[]; plaintext: number }[] = [];

function metaWebhook(accountId: string, appSecret: string, payload: unknown) {
  const body = JSON.stringify(payload);
  return s.app.inject({
    method: "POST",
    url: `/webhooks/${accountId}`,
    headers: { "content-type": "application/json", "x-hub-signature-256": signMetaWebhook(appSecret, body) },
    payload: body,
  });
}

/** A WhatsApp status webhook without our message id (biz_opaque_callback_data): found by its wamid alone. */
async function waStatus(wamid: string, status: "sent" | "delivered" | "read", to: string) {
  const r = await metaWebhook(
    waSender,
    wa.appSecret,
    buildWhatsAppStatusWebhook({ phoneNumberId: wa.phoneNumberId, id: wamid, status, recipientId: to }),
  );
  expect(r.statusCode, r.body).toBe(200);
}

/** Hands the fake's answer back only after a `delivered` webhook for its wamid went through. */
const heldFetch: typeof fetch = async (input, init) => {
  const answer = await fetch(input, init);
  const text = await answer.text();
  const to = (JSON.parse(init?.body ? String(init.body) : "{}") as { to?: string }).to?.replace(/^\+/, "");
  const wamid = (JSON.parse(text) as { messages?: { id: string }[] }).messages?.[0]?.id;
  if (to !== undefined && statusFirst.has(to) && wamid !== undefined) {
    await waStatus(wamid, "delivered", to);
    const orphans = await s.database.query<{
      provider_message_id: string | null;
      provider_message_index: string | null;
      provider_message_sealed: string | null;
    }>(
      "select provider_message_id, provider_message_index, provider_message_sealed from orphan_status_events",
    );
    whileHeld.push({
      orphans: orphans.map((o) => ({
        index: o.provider_message_index !== null,
        sealed: o.provider_message_sealed !== null,
        plain: o.provider_message_id !== null,
      })),
      plaintext: (await findPlaintext(s.database, [wamid.slice("wamid.".length)])).length,
    });
  }
  return new Response(text, { status: answer.status, headers: answer.headers });
};

async function sendTemplate(to: string): Promise<string> {
  const r = await f.send({
    to,
    channel: "whatsapp",
    brandId: f.brandId,
    category: "transactional",
    template: { name: "order_update", language: "en_US" },
    channelAccountId: waSender,
  });
  expect(r.statusCode, r.body).toBe(202);
  return r.json().id as string;
}

async function statusOf(id: string): Promise<string> {
  return (await f.message(id)).status;
}

function wamidOf(messageId: string): string {
  const found = waServer.accepted.find((a) => a.request.biz_opaque_callback_data === messageId);
  if (!found) throw new Error(`${messageId} not at the provider`);
  return found.wamid;
}

describe("outbound provider ids that carry personal data are not stored in the clear", () => {
  beforeAll(async () => {
    s = await messagingTestServer();
    f = await messagingFixture(s, "Ids at rest");
    waServer = await startFakeWhatsAppServer({
      accessToken: wa.accessToken,
      phoneNumberId: wa.phoneNumberId,
    });
    igServer = await startFakeInstagramServer({ accessToken: ig.accessToken, igId: ig.igId });
    waSender = (await f.sender({ channel: "whatsapp", providerId: "whatsapp-cloud", credentials: wa })).id;
    igSender = (await f.sender({ channel: "instagram", providerId: "instagram", credentials: ig })).id;
    stopDispatcher = await startDispatcher(s.ctx, {
      baseUrls: { "whatsapp-cloud": waServer.url, instagram: igServer.url },
      fetch: heldFetch,
      pollMs: 20,
    });
  });
  afterAll(async () => {
    await stopDispatcher?.();
    await Promise.all([waServer?.close(), igServer?.close()]);
    await s?.close();
  });

  it("WhatsApp: sends and statuses leave no wamid in the clear; statuses match; the API shows the wamid", async () => {
    const numbers = ["+15550123401", "+15550123402", "+15550123403"];
    const ids: string[] = [];
    for (const to of numbers) ids.push(await sendTemplate(to));
    for (const id of ids)
      await waitUntil(async () => (await statusOf(id)) === "sent", { what: `${id} sent` });
    const wamids = ids.map(wamidOf);
    // Found by their wamids alone (no echoed message id): delivered, and the first one read.
    for (const [n, id] of ids.entries()) {
      await waStatus(wamids[n] ?? "", "delivered", (numbers[n] ?? "").slice(1));
      expect(await statusOf(id)).toBe("delivered");
    }
    await waStatus(wamids[0] ?? "", "read", (numbers[0] ?? "").slice(1));
    expect(await statusOf(ids[0] ?? "")).toBe("read");
    // A late `sent` never moves a message back.
    await waStatus(wamids[1] ?? "", "sent", (numbers[1] ?? "").slice(1));
    expect(await statusOf(ids[1] ?? "")).toBe("delivered");
    for (const [n, id] of ids.entries()) expect((await f.message(id)).providerMessageId).toBe(wamids[n]);
    const list = await s.app.inject({
      method: "GET",
      url: "/v1/messages?channel=whatsapp&limit=10",
      headers: f.auth,
    });
    expect(
      new Set((list.json().data as { providerMessageId: string }[]).map((m) => m.providerMessageId)),
    ).toEqual(new Set(wamids));
    const stored = await s.database.query<{ sealed: string | null; plain: string | null }>(
      "select provider_message_sealed as sealed, provider_message_id as plain from messages where channel = 'whatsapp'",
    );
    expect(stored.every((m) => m.plain === null && /^v1\./.test(m.sealed ?? ""))).toBe(true);
    expect(await s.database.query("select count(*)::int as n from orphan_status_events")).toEqual([{ n: 0 }]);
    const bodies = wamids.map((w) => w.slice("wamid.".length));
    expect(await findPlaintext(s.database, [...wamids, ...bodies])).toEqual([]);
  });

  it("WhatsApp: a status that arrives before its send is recorded is kept hashed and applied once it is", async () => {
    const to = "+15550123404";
    statusFirst.add(to.slice(1));
    const id = await sendTemplate(to);
    await waitUntil(async () => (await statusOf(id)) === "delivered", { what: "the early status applied" });
    statusFirst.clear();
    // While the answer was held, the status was kept as an orphan: its hash and sealed id, no plain id.
    expect(whileHeld).toEqual([{ orphans: [{ index: true, sealed: true, plain: false }], plaintext: 0 }]);
    const wamid = wamidOf(id);
    expect((await f.message(id)).providerMessageId).toBe(wamid);
    expect((await f.message(id)).timeline.map((e) => e.type)).toContain("delivered");
    await waStatus(wamid, "read", to.slice(1));
    expect(await statusOf(id)).toBe("read");
    expect(await s.database.query("select count(*)::int as n from orphan_status_events")).toEqual([{ n: 0 }]);
    expect(await findPlaintext(s.database, [wamid, wamid.slice("wamid.".length)])).toEqual([]);
  });

  it("WhatsApp: an orphan that raced the recording is applied by the sweep, found by its hash", async () => {
    const to = "+15550123405";
    const id = await sendTemplate(to);
    await waitUntil(async () => (await statusOf(id)) === "sent", { what: "sent" });
    const wamid = wamidOf(id);
    // As the status webhook would have kept it had it not seen the recording (both uncommitted at once).
    await f.rows(
      sql`insert into orphan_status_events (workspace_id, channel_account_id, provider_message_index,
          provider_message_sealed, status, at)
        values (${f.workspaceId}, ${waSender}, ${providerMessageIndex(f.keys, wamid)},
          ${encryptField(f.keys, f.workspaceId, wamid)}, 'delivered', now())`,
    );
    // This sweep, or the dispatcher's own (it sweeps every second), applies it.
    await reconcileOrphanStatuses(s.ctx.db);
    await waitUntil(async () => (await statusOf(id)) === "delivered", { what: "the orphan swept" });
    expect(await s.database.query("select count(*)::int as n from orphan_status_events")).toEqual([{ n: 0 }]);
  });

  it("WhatsApp: a message whose send answer was lost learns its wamid from a status, hashed and sealed", async () => {
    const to = "+15550123406";
    const id = await sendTemplate(to);
    await waitUntil(async () => (await statusOf(id)) === "sent", { what: "sent" });
    const wamid = wamidOf(id);
    // The worker died after WhatsApp accepted and before the answer was stored: crash recovery's `unknown`.
    await f.rows(
      sql`update messages set status = 'unknown', reason = 'lease_expired', provider_message_id = null,
          provider_message_sealed = null where id = ${id}`,
    );
    await f.rows(sql`delete from message_provider_ids where message_id = ${id}`);
    // WhatsApp echoes our message id: the status reconciles the message and gives it its wamid.
    const r = await metaWebhook(
      waSender,
      wa.appSecret,
      buildWhatsAppStatusWebhook({
        phoneNumberId: wa.phoneNumberId,
        id: wamid,
        status: "delivered",
        recipientId: to.slice(1),
        bizOpaqueCallbackData: id,
      }),
    );
    expect(r.statusCode, r.body).toBe(200);
    expect(await statusOf(id)).toBe("delivered");
    expect((await f.message(id)).providerMessageId).toBe(wamid);
    // Found again by its wamid alone.
    await waStatus(wamid, "read", to.slice(1));
    expect(await statusOf(id)).toBe("read");
    expect(await findPlaintext(s.database, [wamid, wamid.slice("wamid.".length)])).toEqual([]);
  });

  it("Instagram: the message id is hashed and sealed too, and its read status matches", async () => {
    // The customer writes first (Instagram's 24-hour window).
    const hello = await metaWebhook(
      igSender,
      ig.appSecret,
      buildInstagramTextWebhook({ igId: ig.igId, from: igsid, mid: "m_ig_at_rest_1", text: "hello" }),
    );
    expect(hello.statusCode, hello.body).toBe(200);
    const r = await f.send({
      to: igsid,
      channel: "instagram",
      brandId: f.brandId,
      category: "transactional",
      body: "Your order shipped",
      channelAccountId: igSender,
    });
    expect(r.statusCode, r.body).toBe(202);
    const id = r.json().id as string;
    await waitUntil(async () => (await statusOf(id)) === "sent", { what: "the Instagram send" });
    const mid = igServer.accepted.at(-1)?.messageId ?? "";
    expect(mid).not.toBe("");
    const time = Date.now();
    const read = await metaWebhook(igSender, ig.appSecret, {
      object: "instagram",
      entry: [
        {
          id: ig.igId,
          time,
          messaging: [{ sender: { id: igsid }, recipient: { id: ig.igId }, timestamp: time, read: { mid } }],
        },
      ],
    });
    expect(read.statusCode, read.body).toBe(200);
    expect(await statusOf(id)).toBe("read");
    expect((await f.message(id)).providerMessageId).toBe(mid);
    expect(await findPlaintext(s.database, [mid])).toEqual([]);
  });
});
