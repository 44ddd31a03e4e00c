import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../test/server.js";
import { withSystemTx } from "../../core/db/tx.js";
import { decryptField } from "../../core/keyring.js";
import { applyStatusEvent } from "./apply-status-event.js";
import { enqueueComplianceReply } from "./enqueue-compliance-reply.js";
import {
  dispatchUntil,
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
} from "./testing/messaging-fixture.js";

let s: TTestServer;
let f: TMessagingFixture;
beforeAll(async () => {
  s = await messagingTestServer();
  f = await messagingFixture(s);
  await f.sender();
  // A public literal: accepted without DNS; nothing is delivered here (no worker runs).
  const r = await s.app.inject({
    method: "POST",
    url: "/v1/webhooks",
    headers: f.auth,
    payload: { url: "https://93.184.216.34/hooks", events: ["*"] },
  });
  expect(r.statusCode).toBe(201);
});
afterAll(async () => s.close());

/** The customer-webhook events stored for a message, oldest first, opened. */
async function eventsOf(messageId: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const found = await f.rows<{ type: string; data_sealed: string }>(
    sql`select type, data_sealed from webhook_events where workspace_id = ${f.workspaceId} order by created_at, id`,
  );
  return found
    .map((e) => ({ type: e.type, data: JSON.parse(decryptField(f.keys, f.workspaceId, e.data_sealed)) }))
    .filter((e) => e.data.messageId === messageId);
}

describe("message.* customer webhook events", () => {
  it("carry messageId, status, reason, contactId, brandId, channel and category on every path", async () => {
    const c = await f.contact();
    await f.grant(c.contactId);
    const common = { contactId: c.contactId, brandId: f.brandId, channel: "sandbox" };
    // Accepted, dispatched (sending, sent), then a provider status (delivered).
    const sent = await f.send({ contactId: c.contactId, channel: "sandbox", brandId: f.brandId, body: "Hi" });
    const sentId: string = sent.json().id;
    await dispatchUntil(s, async () => (await f.count(sql`id = ${sentId} and status = 'sent'`)) === 1);
    const [row] = await f.rows<{ provider_message_id: string; channel_account_id: string }>(
      sql`select provider_message_id, channel_account_id from messages where id = ${sentId}`,
    );
    await withSystemTx(s.ctx.db, (tx) =>
      applyStatusEvent(tx, {
        workspaceId: f.workspaceId,
        channelAccountId: row?.channel_account_id ?? "",
        providerMessageId: row?.provider_message_id ?? "",
        status: "delivered",
        at: new Date(),
      }),
    );
    const delivered = await eventsOf(sentId);
    expect(delivered.map((e) => e.type)).toEqual([
      "message.queued",
      "message.sending",
      "message.sent",
      "message.delivered",
    ]);
    for (const e of delivered)
      expect(e.data, e.type).toMatchObject({ messageId: sentId, ...common, category: "marketing" });
    // Queued, then suppressed by an opt-out (the inbound opt-out transaction).
    const queued = await f.send({
      contactId: c.contactId,
      channel: "sandbox",
      brandId: f.brandId,
      body: "Sale",
    });
    const queuedId: string = queued.json().id;
    expect(queued.json().status).toBe("queued");
    await f.optOut(c.contactId);
    const suppressed = (await eventsOf(queuedId)).find((e) => e.type === "message.suppressed");
    expect(suppressed?.data).toEqual({
      messageId: queuedId,
      status: "suppressed",
      reason: "opted_out",
      ...common,
      category: "marketing",
    });
    // The opt-out's confirmation: a compliance reply, transactional.
    const reply = await f.tx((tx) =>
      enqueueComplianceReply(tx, f.keys, {
        workspaceId: f.workspaceId,
        brandId: f.brandId,
        contactId: c.contactId,
        channelAccountId: row?.channel_account_id ?? "",
        channel: "sandbox",
        body: "You are unsubscribed.",
        kind: "opt_out_confirmation",
        inReplyTo: "inb_status_effects_1",
      }),
    );
    expect((await eventsOf(reply.messageId))[0]?.data).toEqual({
      messageId: reply.messageId,
      status: "queued",
      reason: "compliance_reply",
      ...common,
      category: "transactional",
    });
  });
});
