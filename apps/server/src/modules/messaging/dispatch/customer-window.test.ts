import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../../test/server.js";
import { createAdapter, createFakeRecorder, type FakeRecorder } from "../../channels/index.js";
import { startFakeInstagramServer, type TFakeInstagramServer } from "../../channels/testing/index.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  waitUntil,
} from "../testing/messaging-fixture.js";
import type { TDispatcherOptions } from "./dispatcher-host.js";
import { startDispatcher } from "./start-dispatcher.js";

/**
 * The customer-service window at dispatch: it is checked again when a message is claimed, so a window
 * that lapsed while the message waited fails it (`outside_session_window`) without calling the
 * provider; Instagram's human_agent messages have 7 days instead of 24 hours. The window's age is moved
 * by rewriting the contact's last inbound time between accept and dispatch (as time passing would).
 */

const igCredentials = {
  igId: "17841405793187218",
  accessToken: "IGQVJ-test-token",
  appSecret: "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
  verifyToken: "ig-verify",
};

let s: TTestServer;
let f: TMessagingFixture;
let recorder: FakeRecorder;
let graph: TFakeInstagramServer;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  s = await messagingTestServer();
  f = await messagingFixture(s);
  recorder = createFakeRecorder();
  graph = await startFakeInstagramServer({
    accessToken: igCredentials.accessToken,
    igId: igCredentials.igId,
  });
});
afterAll(async () => {
  await graph.close();
  await s.close();
});
afterEach(async () => {
  await stop?.();
  stop = undefined;
  recorder.reset();
  graph.reset();
});

async function start(): Promise<void> {
  const options: TDispatcherOptions = {
    // Instagram senders talk to the local Graph server; every other sender is the fake provider.
    createAdapter: (account, credentials) =>
      account.providerId === "instagram"
        ? createAdapter("instagram", credentials, { baseUrl: graph.url })
        : createAdapter("fake", credentials, { recorder }),
    pollMs: 20,
    reapEveryMs: 50,
    idleReleaseMs: 100,
    recordEveryMs: 5,
    ...(s.database.url ? { listenUrl: s.database.url } : {}),
  };
  stop = await startDispatcher(s.ctx, options);
}

/** The contact's last inbound message on the sender, `hoursAgo` before now (moved back if it was later). */
function lastInbound(contactId: string, channelAccountId: string, hoursAgo: number) {
  const at = new Date(Date.now() - hoursAgo * 3_600_000);
  return f.tx((t) =>
    t.execute(sql`insert into customer_windows (workspace_id, contact_id, channel_account_id, last_inbound_at)
      values (${f.workspaceId}, ${contactId}, ${channelAccountId}, ${at})
      on conflict (workspace_id, channel_account_id, contact_id) do update set last_inbound_at = excluded.last_inbound_at`),
  );
}

async function statusOf(id: string): Promise<{ status: string; reason: string | null; attempts: number }> {
  const r = await f.rows<{ status: string; reason: string | null; attempts: number }>(
    sql`select status, reason, attempts from messages where id = ${id}`,
  );
  const row = r[0];
  if (!row) throw new Error("no message");
  return row;
}

const settled = async (ids: string[]) => {
  for (const id of ids)
    await waitUntil(async () => !["queued", "sending", "scheduled"].includes((await statusOf(id)).status), {
      what: `settled ${id}`,
    });
};

describe("the customer-service window at dispatch", () => {
  it("fails a WhatsApp free-form message whose window lapsed after it was accepted; sends one still in its window", async () => {
    const wa = await f.sender({
      channel: "whatsapp",
      providerId: "fake",
      credentials: { idempotentSends: false },
    });
    const lapsing = await f.contact("whatsapp", "+442079610001");
    const open = await f.contact("whatsapp", "+442079610002");
    const send = (contactId: string) =>
      f.send({
        contactId,
        channel: "whatsapp",
        brandId: f.brandId,
        category: "transactional",
        channelAccountId: wa.id,
        body: "Your order shipped",
      });
    await lastInbound(lapsing.contactId, wa.id, 23);
    await lastInbound(open.contactId, wa.id, 1);
    const a = (await send(lapsing.contactId)).json();
    const b = (await send(open.contactId)).json();
    expect(a.status).toBe("queued");
    expect(b.status).toBe("queued");
    // The window lapses while the message waits: the last inbound message is now 25 hours old.
    await lastInbound(lapsing.contactId, wa.id, 25);
    await start();
    await settled([a.id, b.id]);
    expect(await statusOf(a.id)).toMatchObject({
      status: "failed",
      reason: "outside_session_window",
      attempts: 0,
    });
    expect(await statusOf(b.id)).toMatchObject({ status: "sent" });
    expect(recorder.sent.map((m) => m.message.messageId)).toEqual([b.id]);
    const timeline = (await f.message(a.id)).timeline;
    expect(timeline.at(-1)).toMatchObject({ type: "failed", reason: "outside_session_window" });
  });

  it("Instagram: 24 hours for free-form, 7 days for human_agent, sent with the HUMAN_AGENT tag", async () => {
    const ig = await f.sender({ channel: "instagram", providerId: "instagram", credentials: igCredentials });
    const plainOpen = await f.contact("instagram", "1527918224048601");
    const plainLapsed = await f.contact("instagram", "1527918224048602");
    const agentOpen = await f.contact("instagram", "1527918224048603");
    const agentLapsed = await f.contact("instagram", "1527918224048604");
    const send = (contactId: string, body: string, tag?: string) =>
      f.send({
        contactId,
        channel: "instagram",
        brandId: f.brandId,
        category: "transactional",
        channelAccountId: ig.id,
        body,
        ...(tag ? { tag } : {}),
      });
    await lastInbound(plainOpen.contactId, ig.id, 1);
    await lastInbound(plainLapsed.contactId, ig.id, 1);
    await lastInbound(agentOpen.contactId, ig.id, 3 * 24);
    await lastInbound(agentLapsed.contactId, ig.id, 6 * 24);
    const ids = {
      plainOpen: (await send(plainOpen.contactId, "plain, open")).json(),
      plainLapsed: (await send(plainLapsed.contactId, "plain, lapsed")).json(),
      agentOpen: (await send(agentOpen.contactId, "agent, open", "human_agent")).json(),
      agentLapsed: (await send(agentLapsed.contactId, "agent, lapsed", "human_agent")).json(),
    };
    for (const r of Object.values(ids)) expect(r.status).toBe("queued");
    // While they wait: one free-form window passes 24 hours, one human-agent window passes 7 days, and
    // the other human-agent window (now 4 days old) stays within its 7.
    await lastInbound(plainLapsed.contactId, ig.id, 25);
    await lastInbound(agentLapsed.contactId, ig.id, 7 * 24 + 1);
    await lastInbound(agentOpen.contactId, ig.id, 4 * 24);
    await start();
    await settled(Object.values(ids).map((r) => r.id));
    expect(await statusOf(ids.plainOpen.id)).toMatchObject({ status: "sent" });
    expect(await statusOf(ids.agentOpen.id)).toMatchObject({ status: "sent" });
    expect(await statusOf(ids.plainLapsed.id)).toMatchObject({
      status: "failed",
      reason: "outside_session_window",
    });
    expect(await statusOf(ids.agentLapsed.id)).toMatchObject({
      status: "failed",
      reason: "outside_session_window",
    });
    const requests = new Map(graph.accepted.map((a) => [a.request.recipient.id, a.request]));
    expect(requests.size).toBe(2);
    expect(requests.get(agentOpen.address)).toEqual({
      recipient: { id: agentOpen.address },
      message: { text: "agent, open" },
      messaging_type: "MESSAGE_TAG",
      tag: "HUMAN_AGENT",
    });
    expect(requests.get(plainOpen.address)).toEqual({
      recipient: { id: plainOpen.address },
      message: { text: "plain, open" },
    });
  });
});
