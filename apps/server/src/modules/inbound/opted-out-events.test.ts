import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer } from "../../../test/server.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { decryptField } from "../../core/keyring.js";
import { buildWhatsAppStatusWebhook, buildWhatsAppTextWebhook } from "../channels/testing/index.js";
import { consentRoutes } from "../consent/index.js";
import { createWebhookSubscription, invalidateWebhookSubscriptions } from "../webhooks/index.js";
import { expireClarifications } from "./expire-clarifications.js";
import { recordProviderOptOut } from "./record-provider-opt-out.js";
import {
  contactOf,
  createInboundServer,
  creds,
  postWebhook,
  signedMeta,
  statuses,
  type TInboundServer,
  type TInboundWorld,
} from "./testing/inbound-fixture.js";

/**
 * `contact.opted_out` for every opt-out, copies included: an opt-out recorded on one of two contacts
 * linked as the same person is copied to the other (consent's recordOptOut), and the customer's webhooks
 * hear of both, the copy naming the original (`carriedFrom`), whatever recorded it (a STOP, the API, an
 * import, a provider's opt-out, an unanswered clarifying question, the carry at linking). The API and an
 * import suppress the queues at once too (`message.suppressed`), as the inbound path does. End to end
 * through signed webhooks and the HTTP routes, with a subscription to every event.
 */

let s: TInboundServer;
beforeAll(async () => {
  s = await createInboundServer({ routes: [consentRoutes] });
});
afterAll(async () => s?.close());

const pad = (n: number) => String(n).padStart(4, "0");

async function post(w: TInboundWorld, payload: unknown) {
  const m = signedMeta(creds.whatsapp.appSecret, payload);
  const r = await postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers);
  expect(r.statusCode, r.body).toBe(200);
  return r;
}

/** A text message; `from: ""` when Meta hides the number. */
function message(w: TInboundWorld, o: { from: string; userId?: string; id: string; body: string }) {
  return post(w, buildWhatsAppTextWebhook({ phoneNumberId: creds.whatsapp.phoneNumberId, ...o }));
}

/** A `sent` status of one of our messages naming the recipient by number and BSUID. */
function status(w: TInboundWorld, o: { id: string; recipientId: string; recipientUserId: string }) {
  return post(
    w,
    buildWhatsAppStatusWebhook({ phoneNumberId: creds.whatsapp.phoneNumberId, status: "sent", ...o }),
  );
}

/** What the dispatcher does when Meta accepts a send: `sent`, with the wamid statuses find it by. */
async function markSent(messageId: string, wamid: string) {
  await s.database.query(
    "update messages set status = 'sent', due_at = null, provider_message_id = $2 where id = $1",
    [messageId, wamid],
  );
  await s.database.query(
    `insert into message_provider_ids (channel_account_id, provider_message_id, message_id, workspace_id)
      select channel_account_id, provider_message_id, id, workspace_id from messages where id = $1`,
    [messageId],
  );
}

/** A transactional template through the send API (no customer-service window needed). */
async function waSend(w: TInboundWorld, to: string) {
  const r = await s.app.inject({
    method: "POST",
    url: "/v1/messages",
    headers: bearer(w.ws.apiKey),
    payload: {
      to,
      channel: "whatsapp",
      brandId: w.ws.brandId,
      channelAccountId: w.senders.whatsapp.id,
      category: "transactional",
      template: { name: "order_update", language: "fr" },
    },
  });
  expect(r.statusCode, r.body).toBe(202);
  const m = r.json() as { id: string; status: string; contactId: string };
  expect(m.status).toBe("queued");
  return m;
}

/** The number's contact (the brand wrote to it), with no link to anyone. */
async function phoneContact(w: TInboundWorld, n: number) {
  const digits = `3361238${pad(n)}`;
  const first = await waSend(w, `+${digits}`);
  return { digits, contactId: first.contactId, queued: first.id };
}

/**
 * Two contacts for one person, linked: a BSUID-only contact (a message with the number hidden), and the
 * number's contact (the brand wrote to it), whose first message's `sent` status names both.
 */
async function linkedPair(w: TInboundWorld, n: number) {
  const userId = `US1349120865530279${pad(n)}`;
  const digits = `3361239${pad(n)}`;
  await message(w, { from: "", userId, id: `wamid.oe-${n}-hi`, body: "Hello" });
  const byUserId = (await contactOf(s, w, "whatsapp", userId)) ?? "";
  const first = await waSend(w, `+${digits}`);
  const byPhone = first.contactId;
  expect(byPhone).not.toBe(byUserId);
  await markSent(first.id, `wamid.oe-${n}-out`);
  await status(w, { id: `wamid.oe-${n}-out`, recipientId: digits, recipientUserId: userId });
  return { userId, digits, byUserId, byPhone };
}

/** A workspace whose customer subscribed to every event. */
async function subscribedWorld(name: string) {
  const w = await s.world(name);
  const { subscription } = await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
    createWebhookSubscription(tx, {
      workspaceId: w.ws.workspaceId,
      keys: w.keys,
      url: "https://crm.example.com/hooks/assent",
      events: ["*"],
      actor: { type: "system", id: null },
    }),
  );
  invalidateWebhookSubscriptions(w.ws.workspaceId);
  return { w, subscriptionId: subscription.id };
}

interface TEvent {
  id: string;
  data: Record<string, unknown>;
}

/** The events of a type emitted so far in the workspace (oldest first), each with a delivery to `to`. */
async function emitted(w: TInboundWorld, type: string, to: string): Promise<TEvent[]> {
  const found = await s.database.query<{ id: string; data_sealed: string; deliveries: number }>(
    `select e.id, e.data_sealed, (select count(*)::int from webhook_deliveries d
        where d.event_id = e.id and d.subscription_id = $3) as deliveries
      from webhook_events e where e.workspace_id = $1 and e.type = $2 order by e.created_at, e.id`,
    [w.ws.workspaceId, type, to],
  );
  for (const e of found) expect(e.deliveries).toBe(1);
  return found.map((e) => ({
    id: e.id,
    data: JSON.parse(decryptField(w.keys, w.ws.workspaceId, e.data_sealed)) as Record<string, unknown>,
  }));
}

async function optOutEntries(contactId: string): Promise<{ id: string; scope: string; method: string }[]> {
  return s.database.query(
    "select id, scope, method from consent_ledger where contact_id = $1 and kind = 'opt_out' order by seq",
    [contactId],
  );
}

function apiOptOut(w: TInboundWorld, contactId: string, scope: "all" | "marketing" = "all") {
  return s.app.inject({
    method: "POST",
    url: `/v1/contacts/${contactId}/opt-out`,
    headers: bearer(w.ws.apiKey),
    payload: { brandId: w.ws.brandId, channel: "whatsapp", scope },
  });
}

function importOptOuts(w: TInboundWorld, addresses: string[], scope: "all" | "marketing" = "all") {
  return s.app.inject({
    method: "POST",
    url: "/v1/consents/import",
    headers: bearer(w.ws.apiKey),
    payload: {
      brandId: w.ws.brandId,
      records: addresses.map((address) => ({ channel: "whatsapp", address })),
      optOut: { scope, source: "CRM suppression list" },
    },
  });
}

/** The message.suppressed events of these messages, by message id. */
async function suppressedEvents(w: TInboundWorld, to: string, ids: string[]) {
  const events = await emitted(w, "message.suppressed", to);
  return Object.fromEntries(
    events
      .filter((e) => ids.includes(String(e.data.messageId)))
      .map((e) => [String(e.data.messageId), e.data.reason]),
  );
}

describe("contact.opted_out for an opt-out carried to a linked contact", () => {
  it("a STOP under one name: the contact's event, and the copy's naming the original", async () => {
    const { w, subscriptionId } = await subscribedWorld("Events STOP");
    const p = await linkedPair(w, 1);
    const waiting = [await waSend(w, `+${p.digits}`), await waSend(w, `+${p.digits}`)];
    await message(w, { from: "", userId: p.userId, id: "wamid.oe-1-stop", body: "STOP" });
    const [original] = await optOutEntries(p.byUserId);
    const [copy] = await optOutEntries(p.byPhone);
    const events = await emitted(w, "contact.opted_out", subscriptionId);
    expect(events).toHaveLength(2);
    const inbound = await emitted(w, "message.inbound", subscriptionId);
    const stop = inbound.find((e) => e.data.body === "STOP");
    expect(events[0]?.data).toEqual({
      contactId: p.byUserId,
      brandId: w.ws.brandId,
      scope: "all",
      channel: "whatsapp",
      method: "keyword",
      ledgerEntryId: original?.id,
      inboundMessageId: stop?.data.id,
      suppressedMessages: 0,
      at: expect.any(String),
    });
    expect(events[1]?.data).toEqual({
      contactId: p.byPhone,
      brandId: w.ws.brandId,
      scope: "all",
      channel: "whatsapp",
      method: "keyword",
      ledgerEntryId: copy?.id,
      inboundMessageId: null,
      suppressedMessages: 2,
      carriedFrom: { contactId: p.byUserId, ledgerEntryId: original?.id },
      at: events[0]?.data.at,
    });
    const ids = waiting.map((m) => m.id);
    expect(await suppressedEvents(w, subscriptionId, ids)).toEqual(
      Object.fromEntries(ids.map((id) => [id, "opted_out"])),
    );
  });

  it("an API opt-out: both events, and both contacts' queues suppressed at once with message.suppressed", async () => {
    const { w, subscriptionId } = await subscribedWorld("Events API");
    const p = await linkedPair(w, 2);
    const own = [await waSend(w, `+${p.digits}`), await waSend(w, `+${p.digits}`)];
    const theirs = [await waSend(w, p.userId)];
    const r = await apiOptOut(w, p.byPhone);
    expect(r.statusCode, r.body).toBe(201);
    const { ledgerEntryId } = r.json() as { ledgerEntryId: string };
    const [copy] = await optOutEntries(p.byUserId);
    const events = await emitted(w, "contact.opted_out", subscriptionId);
    expect(events.map((e) => e.data)).toEqual([
      {
        contactId: p.byPhone,
        brandId: w.ws.brandId,
        scope: "all",
        channel: "whatsapp",
        method: "api",
        ledgerEntryId,
        inboundMessageId: null,
        suppressedMessages: 2,
        at: expect.any(String),
      },
      {
        contactId: p.byUserId,
        brandId: w.ws.brandId,
        scope: "all",
        channel: "whatsapp",
        method: "api",
        ledgerEntryId: copy?.id,
        inboundMessageId: null,
        suppressedMessages: 1,
        carriedFrom: { contactId: p.byPhone, ledgerEntryId },
        at: expect.any(String),
      },
    ]);
    const ids = [...own, ...theirs].map((m) => m.id);
    // Suppressed in the opt-out's transaction, not at dispatch: no dispatcher runs here.
    expect(await statuses(s, ids)).toEqual(
      Object.fromEntries(ids.map((id) => [id, { status: "suppressed", reason: "opted_out" }])),
    );
    expect(await suppressedEvents(w, subscriptionId, ids)).toEqual(
      Object.fromEntries(ids.map((id) => [id, "opted_out"])),
    );
    const evidence = await s.database.query<{ id: string; decision_ledger_ids: string[] }>(
      "select id, decision_ledger_ids from messages where id = any($1::text[])",
      [ids],
    );
    for (const m of evidence)
      expect(m.decision_ledger_ids).toEqual([theirs[0]?.id === m.id ? copy?.id : ledgerEntryId]);
    // Said again: recorded, but no new event (an opt-out was in force already, and the copy exists).
    expect((await apiOptOut(w, p.byPhone)).json()).toMatchObject({ alreadyOptedOut: true });
    expect(await emitted(w, "contact.opted_out", subscriptionId)).toHaveLength(2);
  });

  it("an imported opt-out naming one: both events, and both queues suppressed at once", async () => {
    const { w, subscriptionId } = await subscribedWorld("Events import");
    const p = await linkedPair(w, 3);
    const own = await waSend(w, `+${p.digits}`);
    const theirs = await waSend(w, p.userId);
    const r = await importOptOuts(w, [`+${p.digits}`]);
    expect(r.statusCode, r.body).toBe(201);
    const [original] = await optOutEntries(p.byPhone);
    const [copy] = await optOutEntries(p.byUserId);
    expect([original?.method, copy?.method]).toEqual(["import", "import"]);
    const events = await emitted(w, "contact.opted_out", subscriptionId);
    expect(events.map((e) => e.data)).toEqual([
      expect.objectContaining({
        contactId: p.byPhone,
        method: "import",
        scope: "all",
        ledgerEntryId: original?.id,
        inboundMessageId: null,
        suppressedMessages: 1,
      }),
      expect.objectContaining({
        contactId: p.byUserId,
        method: "import",
        scope: "all",
        ledgerEntryId: copy?.id,
        inboundMessageId: null,
        suppressedMessages: 1,
        carriedFrom: { contactId: p.byPhone, ledgerEntryId: original?.id },
      }),
    ]);
    expect(events[0]?.data).not.toHaveProperty("carriedFrom");
    const ids = [own.id, theirs.id];
    expect(await statuses(s, ids)).toEqual(
      Object.fromEntries(ids.map((id) => [id, { status: "suppressed", reason: "opted_out" }])),
    );
    expect(await suppressedEvents(w, subscriptionId, ids)).toEqual(
      Object.fromEntries(ids.map((id) => [id, "opted_out"])),
    );
  });

  it("a provider's opt-out (WhatsApp 131050): the copy's event has the provider error, not the message", async () => {
    const { w, subscriptionId } = await subscribedWorld("Events provider");
    const p = await linkedPair(w, 4);
    const refused = await waSend(w, `+${p.digits}`);
    await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
      recordProviderOptOut(tx, {
        workspaceId: w.ws.workspaceId,
        channelAccountId: w.senders.whatsapp.id,
        errorCode: "131050",
        messageId: refused.id,
        at: new Date(),
      }),
    );
    const [original] = await optOutEntries(p.byPhone);
    const events = await emitted(w, "contact.opted_out", subscriptionId);
    expect(events.map((e) => e.data)).toEqual([
      expect.objectContaining({
        contactId: p.byPhone,
        scope: "marketing",
        method: "provider_preference",
        providerError: "whatsapp-cloud:131050",
        messageId: refused.id,
        ledgerEntryId: original?.id,
      }),
      expect.objectContaining({
        contactId: p.byUserId,
        scope: "marketing",
        method: "provider_preference",
        providerError: "whatsapp-cloud:131050",
        messageId: null,
        inboundMessageId: null,
        carriedFrom: { contactId: p.byPhone, ledgerEntryId: original?.id },
      }),
    ]);
  });

  it("an unanswered clarifying question: the copy's event has the reason", async () => {
    const { w, subscriptionId } = await subscribedWorld("Events clarification");
    const p = await linkedPair(w, 5);
    await s.database.query(
      `insert into inbound_contact_state (workspace_id, brand_id, contact_id, clarify_inbound_id, clarify_scope,
          clarify_channel, clarify_asked_at, clarify_expires_at, updated_at)
        values ($1, $2, $3, 'inb_unanswered', 'all', 'whatsapp', now() - interval '2 days',
          now() - interval '1 second', now())`,
      [w.ws.workspaceId, w.ws.brandId, p.byUserId],
    );
    expect(await expireClarifications(s.ctx)).toBeGreaterThanOrEqual(1);
    const [original] = await optOutEntries(p.byUserId);
    const events = await emitted(w, "contact.opted_out", subscriptionId);
    expect(events.map((e) => e.data)).toEqual([
      expect.objectContaining({
        contactId: p.byUserId,
        method: "natural_language",
        reason: "clarification_unanswered",
        inboundMessageId: "inb_unanswered",
      }),
      expect.objectContaining({
        contactId: p.byPhone,
        method: "natural_language",
        reason: "clarification_unanswered",
        inboundMessageId: null,
        carriedFrom: { contactId: p.byUserId, ledgerEntryId: original?.id },
      }),
    ]);
  });

  it("opt-outs carried when two contacts are first linked: an event per copy, naming the original", async () => {
    const { w, subscriptionId } = await subscribedWorld("Events at linking");
    const userId = `US1349120865530279${pad(6)}`;
    const digits = `3361239${pad(6)}`;
    // STOP with the number hidden, before anything names the number and the BSUID together.
    await message(w, { from: "", userId, id: "wamid.oe-6-stop", body: "STOP" });
    const byUserId = (await contactOf(s, w, "whatsapp", userId)) ?? "";
    const [original] = await optOutEntries(byUserId);
    const first = await waSend(w, `+${digits}`);
    const waiting = await waSend(w, `+${digits}`);
    await markSent(first.id, "wamid.oe-6-out");
    expect(await emitted(w, "contact.opted_out", subscriptionId)).toHaveLength(1);
    await status(w, { id: "wamid.oe-6-out", recipientId: digits, recipientUserId: userId });
    const [copy] = await optOutEntries(first.contactId);
    const events = await emitted(w, "contact.opted_out", subscriptionId);
    expect(events).toHaveLength(2);
    expect(events[1]?.data).toEqual({
      contactId: first.contactId,
      brandId: w.ws.brandId,
      scope: "all",
      channel: "whatsapp",
      method: "keyword",
      ledgerEntryId: copy?.id,
      inboundMessageId: null,
      suppressedMessages: 1,
      carriedFrom: { contactId: byUserId, ledgerEntryId: original?.id },
      at: expect.any(String),
    });
    expect(await suppressedEvents(w, subscriptionId, [waiting.id])).toEqual({ [waiting.id]: "opted_out" });
  });
});

describe("contact.opted_out of a contact linked to no one: exactly one event", () => {
  it("a STOP", async () => {
    const { w, subscriptionId } = await subscribedWorld("Unlinked STOP");
    const c = await phoneContact(w, 1);
    await message(w, { from: c.digits, id: "wamid.oe-u1-stop", body: "STOP" });
    const events = await emitted(w, "contact.opted_out", subscriptionId);
    expect(events.map((e) => e.data)).toEqual([
      expect.objectContaining({ contactId: c.contactId, method: "keyword", suppressedMessages: 1 }),
    ]);
    expect(events[0]?.data).not.toHaveProperty("carriedFrom");
  });

  it("an API opt-out: its event, and its queue suppressed at once", async () => {
    const { w, subscriptionId } = await subscribedWorld("Unlinked API");
    const c = await phoneContact(w, 2);
    const r = await apiOptOut(w, c.contactId);
    expect(r.statusCode, r.body).toBe(201);
    const events = await emitted(w, "contact.opted_out", subscriptionId);
    expect(events.map((e) => e.data)).toEqual([
      {
        contactId: c.contactId,
        brandId: w.ws.brandId,
        scope: "all",
        channel: "whatsapp",
        method: "api",
        ledgerEntryId: (r.json() as { ledgerEntryId: string }).ledgerEntryId,
        inboundMessageId: null,
        suppressedMessages: 1,
        at: expect.any(String),
      },
    ]);
    expect(await statuses(s, [c.queued])).toEqual({
      [c.queued]: { status: "suppressed", reason: "opted_out" },
    });
    expect(await suppressedEvents(w, subscriptionId, [c.queued])).toEqual({ [c.queued]: "opted_out" });
  });

  it("an imported suppression list: one event per contact newly opted out, its queue suppressed at once", async () => {
    const { w, subscriptionId } = await subscribedWorld("Unlinked import");
    const a = await phoneContact(w, 3);
    const b = await phoneContact(w, 4);
    expect((await apiOptOut(w, b.contactId)).statusCode).toBe(201);
    const r = await importOptOuts(w, [`+${a.digits}`, `+${b.digits}`]);
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ imported: 2, alreadyOptedOut: 1 });
    const events = await emitted(w, "contact.opted_out", subscriptionId);
    // b's from the API; a's from the import (b was opted out already: no second event).
    expect(events.map((e) => [e.data.contactId, e.data.method, e.data.suppressedMessages])).toEqual([
      [b.contactId, "api", 1],
      [a.contactId, "import", 1],
    ]);
    expect(events[1]?.data).not.toHaveProperty("carriedFrom");
    expect(await statuses(s, [a.queued, b.queued])).toEqual({
      [a.queued]: { status: "suppressed", reason: "opted_out" },
      [b.queued]: { status: "suppressed", reason: "opted_out" },
    });
    expect(await suppressedEvents(w, subscriptionId, [a.queued])).toEqual({ [a.queued]: "opted_out" });
  });
});
