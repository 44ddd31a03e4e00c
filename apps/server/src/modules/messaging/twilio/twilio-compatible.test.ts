import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../../test/server.js";
import { rows, withSystemTx } from "../../../core/db/tx.js";
import { AppError } from "../../../core/errors.js";
import { buildApp } from "../../../http/app.js";
import { sessionResolver } from "../../../wiring.js";
import { applyStatusEvent } from "../apply-status-event.js";
import { startDispatcher } from "../dispatch/start-dispatcher.js";
import { getSendBatcher } from "../send-batcher.js";
import {
  dispatchUntil,
  messagingFixture,
  messagingTestRoutes,
  messagingTestServer,
  type TMessagingFixture,
  waitUntil,
} from "../testing/messaging-fixture.js";
import { touchCustomerWindow } from "../touch-customer-window.js";
import { deliverTwilioCallbacks, type TPostCallback } from "./deliver-twilio-callbacks.js";

let s: TTestServer;
let f: TMessagingFixture;
let base: string;
let sender: { id: string; messagingServiceSid: string | null; address: string | null };
let callbacks: { url: string; signature: string; params: Record<string, string> }[];
let callbackServer: Server;
let callbackUrl: string;

beforeAll(async () => {
  s = await messagingTestServer();
  f = await messagingFixture(s);
  sender = await f.sender({ providerId: "sandbox", address: "+15005550006" });
  await s.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
  callbacks = [];
  callbackServer = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      callbacks.push({
        url: `${callbackUrl}`,
        signature: String(req.headers["x-twilio-signature"] ?? ""),
        params: Object.fromEntries(new URLSearchParams(body)),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => callbackServer.listen(0, "127.0.0.1", r));
  callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/twilio/status?tenant=1`;
});
afterAll(async () => {
  await new Promise<void>((r) => callbackServer.close(() => r()));
  await s.close();
});

function client(apiKey = f.ws.apiKey) {
  const c = twilio(f.ws.accountSid, apiKey);
  c.api.baseUrl = base;
  return c;
}

/** A callback receiver written in fetch's shape, as the poster StatusCallbacks are delivered with. */
function posting(receiver: typeof fetch): TPostCallback {
  return async (o) => {
    const r = await receiver(o.url, { method: "POST", headers: o.headers, body: o.body });
    return { statusCode: r.status, durationMs: 0, error: null };
  };
}

/** A form POST to Messages.json with headers of our own (the twilio client sends no idempotency token). */
function sendForm(form: Record<string, string>, headers: Record<string, string> = {}, apiKey = f.ws.apiKey) {
  return s.app.inject({
    method: "POST",
    url: `/2010-04-01/Accounts/${f.ws.accountSid}/Messages.json`,
    headers: {
      authorization: `Basic ${Buffer.from(`${f.ws.accountSid}:${apiKey}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
      ...headers,
    },
    payload: new URLSearchParams(form).toString(),
  });
}

/** Dispatch a message sent through the Twilio-compatible API until it is sent, then record it delivered. */
async function dispatchThenDeliver(
  sid: string,
): Promise<{ id: string; provider_message_id: string } | undefined> {
  const stop = await startDispatcher(s.ctx, {
    pollMs: 20,
    idleReleaseMs: 50,
    ...(s.database.url ? { listenUrl: s.database.url } : {}),
  });
  try {
    await waitUntil(async () => (await f.count(sql`twilio_sid = ${sid} and status = 'sent'`)) === 1, {
      what: "sent",
    });
  } finally {
    await stop();
  }
  const row = (
    await f.rows<{ id: string; provider_message_id: string }>(
      sql`select id, provider_message_id from messages where twilio_sid = ${sid}`,
    )
  )[0];
  await withSystemTx(s.ctx.db, (tx) =>
    applyStatusEvent(tx, {
      workspaceId: f.workspaceId,
      channelAccountId: sender.id,
      providerMessageId: row?.provider_message_id ?? "",
      status: "delivered",
      at: new Date(),
    }),
  );
  return row;
}

describe("Twilio-compatible Messages API", () => {
  it("sends with the official twilio client and answers in Twilio's shape", async () => {
    const c = await f.contact("sandbox", "+14155550101");
    await f.grant(c.contactId);
    const msg = await client().messages.create({
      to: "+14155550101",
      from: "+15005550006",
      body: "Your order shipped",
      statusCallback: callbackUrl,
    });
    expect(msg.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(msg.sid).toHaveLength(34);
    expect(msg.status).toBe("queued");
    expect(msg.direction).toBe("outbound-api");
    expect(msg.numSegments).toBe("1");
    expect(msg.accountSid).toBe(f.ws.accountSid);
    expect(msg.to).toBe("+14155550101");
    expect(msg.from).toBe("+15005550006");
    expect(msg.body).toBe("Your order shipped");
    expect(msg.dateCreated).toBeInstanceOf(Date);
    expect(msg.uri).toBe(`/2010-04-01/Accounts/${f.ws.accountSid}/Messages/${msg.sid}.json`);
    const stored = await f.rows<{ id: string; source: string; category: string }>(
      sql`select id, source, category from messages where twilio_sid = ${msg.sid}`,
    );
    expect(stored[0]).toMatchObject({ source: "twilio" });
  });

  it("maps MessagingServiceSid to the sender and refuses an opted-out recipient with 21610", async () => {
    const c = await f.contact("sandbox", "+14155550102");
    await f.optOut(c.contactId);
    const refused = await client()
      .messages.create({
        to: "+14155550102",
        messagingServiceSid: sender.messagingServiceSid ?? "",
        body: "Sale",
      })
      .then(
        () => null,
        (e: { status: number; code: number; message: string; moreInfo: string }) => e,
      );
    expect(refused).toMatchObject({
      status: 400,
      code: 21610,
      message: "Attempt to send to unsubscribed recipient",
      moreInfo: "https://www.twilio.com/docs/errors/21610",
    });
    const raw = await fetch(`${base}/2010-04-01/Accounts/${f.ws.accountSid}/Messages.json`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${f.ws.accountSid}:${f.ws.apiKey}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ To: "+14155550102", From: "+15005550006", Body: "Sale" }).toString(),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({
      code: 21610,
      message: "Attempt to send to unsubscribed recipient",
      more_info: "https://www.twilio.com/docs/errors/21610",
      status: 400,
    });
    expect(
      await f.count(sql`contact_id = ${c.contactId} and status = 'suppressed' and reason = 'opted_out'`),
    ).toBe(2);
  });

  it("refuses marketing without consent with 30007 and keeps the refusal", async () => {
    const r = await fetch(`${base}/2010-04-01/Accounts/${f.ws.accountSid}/Messages.json`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${f.ws.accountSid}:${f.ws.apiKey}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "To=%2B14155550109&From=%2B15005550006&Body=hi",
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ code: 30007, assent_reason: "consent_missing" });
  });

  it("posts Twilio-format status callbacks signed with the API key, fetches the message", async () => {
    const c = await f.contact("sandbox", "+14155550103");
    await f.grant(c.contactId);
    const msg = await client().messages.create({
      to: "+14155550103",
      from: "+15005550006",
      body: "Hello",
      statusCallback: callbackUrl,
      mediaUrl: ["https://example.com/a.png"],
    });
    expect(msg.sid).toMatch(/^MM/);
    expect(msg.numMedia).toBe("1");
    const row = await dispatchThenDeliver(msg.sid);
    callbacks.length = 0;
    // The URL is checked again at delivery: with private targets refused, nothing is posted to loopback.
    expect(await deliverTwilioCallbacks(s.ctx, { allowPrivateUrls: false })).toBe(0);
    expect(callbacks.filter((x) => x.params.MessageSid === msg.sid)).toHaveLength(0);
    const refused = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ id: string; last_error: string | null; attempts: number }>(
        tx,
        sql`update twilio_status_callbacks set next_attempt_at = now() where message_id = ${row?.id ?? ""}
          returning id, last_error, attempts`,
      ),
    );
    refused.sort((a, b) => Number(a.id) - Number(b.id));
    // The first was refused; the second was held behind it, unposted and its attempt not counted.
    expect(refused.map((r) => r.attempts)).toEqual([1, 0]);
    expect(refused[0]?.last_error).toMatch(/^refused URL: must not point to a private/);
    expect(refused[1]?.last_error).toBeNull();
    await waitUntil(
      async () => {
        await deliverTwilioCallbacks(s.ctx, { allowPrivateUrls: true });
        return callbacks.filter((x) => x.params.MessageSid === msg.sid).length >= 2;
      },
      { what: "callbacks" },
    );
    const mine = callbacks.filter((x) => x.params.MessageSid === msg.sid);
    expect(mine.map((x) => x.params.MessageStatus)).toEqual(["sent", "delivered"]);
    for (const cb of mine) {
      expect(cb.params).toMatchObject({
        MessageSid: msg.sid,
        SmsSid: msg.sid,
        AccountSid: f.ws.accountSid,
        From: "+15005550006",
        To: "+14155550103",
        ApiVersion: "2010-04-01",
      });
      expect(cb.params.SmsStatus).toBe(cb.params.MessageStatus);
      expect(twilio.validateRequest(f.ws.apiKey, cb.signature, callbackUrl, cb.params)).toBe(true);
      expect(twilio.validateRequest("wrong-token", cb.signature, callbackUrl, cb.params)).toBe(false);
    }
    const fetched = await client().messages(msg.sid).fetch();
    expect(fetched).toMatchObject({
      sid: msg.sid,
      status: "delivered",
      to: "+14155550103",
      from: "+15005550006",
      body: "Hello",
    });
    expect(fetched.dateSent).toBeInstanceOf(Date);
  });

  it("delivers a message's callbacks in order: a failed one holds the later ones until it is delivered", async () => {
    const c = await f.contact("sandbox", "+14155550104");
    await f.grant(c.contactId);
    const msg = await client().messages.create({
      to: "+14155550104",
      from: "+15005550006",
      body: "In order",
      statusCallback: callbackUrl,
    });
    const row = await dispatchThenDeliver(msg.sid);
    // The receiver fails the first post of `sent`, then accepts everything.
    const posted: string[] = [];
    let failNext = true;
    const receiver: typeof fetch = async (_url, init) => {
      const status = new URLSearchParams(String(init?.body)).get("MessageStatus") ?? "?";
      if (new URLSearchParams(String(init?.body)).get("MessageSid") !== msg.sid)
        return new Response(null, { status: 204 });
      posted.push(status);
      if (status === "sent" && failNext) {
        failNext = false;
        return new Response(null, { status: 500 });
      }
      return new Response(null, { status: 204 });
    };
    const deliver = () => deliverTwilioCallbacks(s.ctx, { allowPrivateUrls: true, post: posting(receiver) });
    const waiting = () =>
      f.rows<{ status: string; due: boolean }>(
        sql`select status, next_attempt_at <= now() as due from twilio_status_callbacks
          where message_id = ${row?.id ?? ""} and delivered_at is null order by id`,
      );
    // Each round claims only a message's first undelivered callback.
    await deliver();
    expect(posted).toEqual(["sent"]);
    // While `sent` waits for its retry, `delivered` waits behind it (out of the due range), however often
    // the worker runs.
    expect(await waiting()).toEqual([
      { status: "sent", due: false },
      { status: "delivered", due: false },
    ]);
    await deliver();
    await deliver();
    expect(posted).toEqual(["sent"]);
    await withSystemTx(s.ctx.db, (tx) =>
      tx.execute(sql`update twilio_status_callbacks set next_attempt_at = now()
        where message_id = ${row?.id ?? ""} and delivered_at is null and status = 'sent'`),
    );
    await deliver();
    expect(posted).toEqual(["sent", "sent"]);
    // `sent` delivered: `delivered` is due at once.
    expect(await waiting()).toEqual([{ status: "delivered", due: true }]);
    await deliver();
    expect(posted).toEqual(["sent", "sent", "delivered"]);
    const stored = await f.rows<{ status: string; attempts: number; delivered: boolean }>(
      sql`select status, attempts, delivered_at is not null as delivered from twilio_status_callbacks
        where message_id = ${row?.id ?? ""} order by id`,
    );
    expect(stored).toEqual([
      { status: "sent", attempts: 2, delivered: true },
      { status: "delivered", attempts: 1, delivered: true },
    ]);
  });

  it("refuses a From two senders share (21606 naming From) rather than guessing the brand", async () => {
    const dup = await messagingFixture(s, "Shared number");
    const sms = await dup.sender({
      channel: "sms",
      providerId: "fake",
      address: "+15005550077",
      name: "SMS",
    });
    await dup.sender({ channel: "sandbox", providerId: "sandbox", address: "+15005550077", name: "Sandbox" });
    const c = twilio(dup.ws.accountSid, dup.ws.apiKey);
    c.api.baseUrl = base;
    // A recipient without legal quiet hours (a US one may be scheduled, depending on the time of day).
    const who = await dup.contact("sms", "+819012340141");
    await dup.grant(who.contactId, ["sms"]);
    const refused = await c.messages
      .create({ to: "+819012340141", from: "+15005550077", body: "x" })
      .catch((e: { status: number; code: number; message: string }) => e);
    expect(refused).toMatchObject({ status: 400, code: 21606 });
    expect((refused as { message: string }).message).toMatch(/MessagingServiceSid/);
    expect(await dup.count()).toBe(0);
    const named = await c.messages.create({
      to: "+819012340141",
      messagingServiceSid: sms.messagingServiceSid ?? "",
      body: "x",
    });
    expect(named.status).toBe("accepted");
    const stored = await dup.rows<{ channel_account_id: string }>(
      sql`select channel_account_id from messages where twilio_sid = ${named.sid}`,
    );
    expect(stored[0]?.channel_account_id).toBe(sms.id);
  });

  it("answers POST as GET shows the message: the normalised `to`, `from` with whatsapp:, as Twilio through a service", async () => {
    const sms = await f.sender({ channel: "sms", providerId: "fake", address: "+15005550010", name: "sms" });
    const wa = await f.sender({
      channel: "whatsapp",
      providerId: "fake",
      address: "+15005550011",
      name: "wa",
    });
    // Recipients without legal quiet hours: the answers do not depend on the time of day.
    const c = await f.contact("sms", "+819012340131");
    await f.grant(c.contactId, ["sms", "whatsapp"]);
    // Named by From: `queued`, its segments counted, `to` as normalised.
    const byFrom = await client().messages.create({
      to: "+81 90-1234-0131",
      from: "+15005550010",
      body: "x",
    });
    expect(byFrom).toMatchObject({
      status: "queued",
      numSegments: "1",
      to: "+819012340131",
      from: "+15005550010",
    });
    expect((await client().messages(byFrom.sid).fetch()).to).toBe(byFrom.to);
    // Through a Messaging Service Twilio answers `accepted` with 0 segments (its sender is chosen after);
    // GET then shows the message as it is.
    const byService = await client().messages.create({
      to: "+819012340131",
      messagingServiceSid: sms.messagingServiceSid ?? "",
      body: "x",
    });
    expect(byService).toMatchObject({ status: "accepted", numSegments: "0", from: "+15005550010" });
    expect(await client().messages(byService.sid).fetch()).toMatchObject({
      status: "queued",
      numSegments: "1",
    });
    // A WhatsApp sender named by its service: `from` and `to` with whatsapp:, in POST as in GET.
    await f.tx((t) =>
      touchCustomerWindow(t, {
        workspaceId: f.workspaceId,
        contactId: c.contactId,
        channelAccountId: wa.id,
        at: new Date(),
      }),
    );
    const created = await client().messages.create({
      to: "whatsapp:+81 90 1234 0131",
      messagingServiceSid: wa.messagingServiceSid ?? "",
      body: "hello",
    });
    expect(created).toMatchObject({ from: "whatsapp:+15005550011", to: "whatsapp:+819012340131" });
    const fetched = await client().messages(created.sid).fetch();
    expect([fetched.from, fetched.to]).toEqual([created.from, created.to]);
    // WhatsApp's own failure code (131050: the recipient stopped marketing messages) is never shown as an
    // error_code: a Twilio client reads Twilio error numbers, mapped as StatusCallbacks map them.
    await dispatchUntil(
      s,
      async () => (await f.count(sql`twilio_sid = ${created.sid} and status = 'sent'`)) === 1,
    );
    const [row] = await f.rows<{ provider_message_id: string }>(
      sql`select provider_message_id from messages where twilio_sid = ${created.sid}`,
    );
    await withSystemTx(s.ctx.db, (tx) =>
      applyStatusEvent(tx, {
        workspaceId: f.workspaceId,
        channelAccountId: wa.id,
        providerMessageId: row?.provider_message_id ?? "",
        status: "failed",
        errorCode: "131050",
        errorMessage: "user stopped marketing messages",
        at: new Date(),
      }),
    );
    expect(await client().messages(created.sid).fetch()).toMatchObject({
      status: "failed",
      errorCode: 30008,
      errorMessage: "user stopped marketing messages",
    });
  });

  it("answers Twilio errors for bad credentials, unknown senders, missing fields and unknown messages", async () => {
    const bad = await client("ask_wrong")
      .messages.create({ to: "+14155550104", from: "+15005550006", body: "x" })
      .catch((e: { status: number; code: number }) => e);
    expect(bad).toMatchObject({ status: 401, code: 20003 });
    const other = await messagingFixture(s, "Other");
    const crossed = twilio(f.ws.accountSid, other.ws.apiKey);
    crossed.api.baseUrl = base;
    expect(
      await crossed.messages
        .create({ to: "+14155550104", from: "+15005550006", body: "x" })
        .catch((e: { code: number }) => e),
    ).toMatchObject({ code: 20003 });
    expect(
      await client()
        .messages.create({ to: "+14155550104", from: "+19999999999", body: "x" })
        .catch((e: { code: number }) => e),
    ).toMatchObject({ code: 21606 });
    expect(
      await client()
        .messages.create({ to: "+14155550104", messagingServiceSid: `MG${"0".repeat(32)}`, body: "x" })
        .catch((e: { code: number }) => e),
    ).toMatchObject({ code: 21701 });
    expect(
      await client()
        .messages.create({ to: "+14155550104", from: "+15005550006" })
        .catch((e: { code: number }) => e),
    ).toMatchObject({ code: 21602 });
    expect(
      await client()
        .messages.create({ to: "+14155550104", from: "+15005550006", body: "x".repeat(1601) })
        .catch((e: { code: number }) => e),
    ).toMatchObject({ code: 21617 });
    expect(
      await client()
        .messages.create({ to: "whatsapp:+14155550104", from: "+15005550006", body: "x" })
        .catch((e: { code: number }) => e),
    ).toMatchObject({ code: 21910 });
    expect(
      await client()
        .messages(`SM${"0".repeat(32)}`)
        .fetch()
        .catch((e: { status: number; code: number }) => e),
    ).toMatchObject({ status: 404, code: 20404 });
  });

  it("answers a malformed AccountSid or message Sid in Twilio's error format (401 20003, 404 20404)", async () => {
    const auth = {
      authorization: `Basic ${Buffer.from(`${f.ws.accountSid}:${f.ws.apiKey}`).toString("base64")}`,
    };
    const badAccount = await s.app.inject({
      method: "POST",
      url: "/2010-04-01/Accounts/AC'x/Messages.json",
      headers: { ...auth, "content-type": "application/x-www-form-urlencoded" },
      payload: "To=%2B14155550199&From=%2B15005550006&Body=hi",
    });
    expect(badAccount.statusCode).toBe(401);
    expect(badAccount.json()).toMatchObject({ code: 20003, status: 401 });
    for (const sid of ["SM'x", "SM%20x", "SM-x"]) {
      const r = await s.app.inject({
        method: "GET",
        url: `/2010-04-01/Accounts/${f.ws.accountSid}/Messages/${sid}.json`,
        headers: auth,
      });
      expect(r.statusCode, sid).toBe(404);
      expect(r.json()).toMatchObject({ code: 20404, status: 404 });
    }
  });

  it("picks the sender by From and its channel: the same number on SMS and on WhatsApp are two senders", async () => {
    const sms = await f.sender({ providerId: "sandbox", address: "+15005550007", name: "Same number, SMS" });
    const wa = await f.sender({
      channel: "whatsapp",
      providerId: "fake",
      credentials: { channel: "whatsapp" },
      address: "+15005550007",
      name: "Same number, WhatsApp",
    });
    const c = await f.contact("sandbox", "+14155550111");
    await f.grant(c.contactId);
    const plain = await client().messages.create({ to: "+14155550111", from: "+15005550007", body: "SMS" });
    const viaWhatsapp = await client()
      .messages.create({ to: "whatsapp:+14155550111", from: "whatsapp:+15005550007", body: "WA" })
      .catch((e: { code: number }) => e);
    const accounts = await f.rows<{ twilio_sid: string; channel_account_id: string }>(
      sql`select twilio_sid, channel_account_id from messages where twilio_sid = ${plain.sid}`,
    );
    expect(accounts[0]?.channel_account_id).toBe(sms.id);
    // Whatever the WhatsApp send's fate (no consent on WhatsApp: refused), it was judged on the WhatsApp sender.
    if ("sid" in viaWhatsapp) {
      const row = await f.rows<{ channel_account_id: string }>(
        sql`select channel_account_id from messages where twilio_sid = ${viaWhatsapp.sid}`,
      );
      expect(row[0]?.channel_account_id).toBe(wa.id);
    } else expect(viaWhatsapp).toMatchObject({ code: 30007 });
    // A WhatsApp sender with a plain recipient, or the reverse: Twilio's 21910.
    for (const [to, from] of [
      ["+14155550111", "whatsapp:+15005550007"],
      ["whatsapp:+14155550111", "+15005550007"],
    ] as const)
      expect(
        await client()
          .messages.create({ to, from, body: "x" })
          .catch((e: { code: number }) => e),
        `${from} → ${to}`,
      ).toMatchObject({ code: 21910 });
  });

  it("keeps the caller's key for signing callbacks only once a message asking for them is accepted", async () => {
    const made = await s.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: f.auth,
      payload: { name: "callbacks", scopes: ["messages:send", "messages:read"] },
    });
    expect(made.statusCode).toBe(201);
    const { key, id } = made.json() as { key: string; id: string };
    const keptFor = () =>
      f.rows<{ n: number }>(
        sql`select count(*)::int as n from twilio_callback_keys where api_key_id = ${id}`,
      );
    const out = await f.contact("sandbox", "+14155550131");
    await f.optOut(out.contactId);
    const refused = await client(key)
      .messages.create({
        to: "+14155550131",
        from: "+15005550006",
        body: "Sale",
        statusCallback: callbackUrl,
      })
      .then(
        () => null,
        (e: { code: number }) => e,
      );
    expect(refused).toMatchObject({ code: 21610 });
    expect((await keptFor())[0]?.n).toBe(0);
    const c = await f.contact("sandbox", "+14155550132");
    await f.grant(c.contactId);
    const msg = await client(key).messages.create({
      to: "+14155550132",
      from: "+15005550006",
      body: "Later",
      statusCallback: callbackUrl,
    });
    expect(msg.status).toBe("queued");
    expect((await keptFor())[0]?.n).toBe(1);
    // Its callbacks are signed with that key, as Twilio signs with the caller's token.
    await f.optOut(c.contactId, "all");
    const posted: { signature: string; fields: Record<string, string> }[] = [];
    const receiver: typeof fetch = async (_url, init) => {
      const fields = Object.fromEntries(new URLSearchParams(String(init?.body)));
      const headers = new Headers(init?.headers);
      if (fields.MessageSid === msg.sid)
        posted.push({ signature: headers.get("x-twilio-signature") ?? "", fields });
      return new Response(null, { status: 204 });
    };
    await deliverTwilioCallbacks(s.ctx, { allowPrivateUrls: true, post: posting(receiver) });
    expect(posted).toHaveLength(1);
    const [p] = posted;
    expect(p && twilio.validateRequest(key, p.signature, callbackUrl, p.fields)).toBe(true);
  });

  it("answers a retry with the same I-Twilio-Idempotency-Token once; refuses a token too long to keep (21100)", async () => {
    const c = await f.contact("sandbox", "+14155550134");
    await f.grant(c.contactId);
    const form = { To: "+14155550134", From: "+15005550006", Body: "Your order shipped" };
    const longest = { "i-twilio-idempotency-token": `retry-${"x".repeat(249)}` };
    const first = await sendForm(form, longest);
    const again = await sendForm(form, longest);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json().sid).toBe(first.json().sid);
    expect(await f.count(sql`contact_id = ${c.contactId}`)).toBe(1);
    // One character more: refused, each time, naming the header; never ignored (which would store every retry).
    const tooLong = { "i-twilio-idempotency-token": `retry-${"x".repeat(250)}` };
    for (let n = 0; n < 2; n += 1) {
      const r = await sendForm(form, tooLong);
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({
        code: 21100,
        message: "Invalid parameter: I-Twilio-Idempotency-Token",
        more_info: "https://www.twilio.com/docs/errors/21100",
        status: 400,
        field: "I-Twilio-Idempotency-Token",
      });
    }
    expect(await f.count(sql`contact_id = ${c.contactId}`)).toBe(1);
  });

  it("keeps a key's secret with its own message after that key replayed another key's token", async () => {
    const made = await s.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: f.auth,
      payload: { name: "rotated", scopes: ["messages:send", "messages:read"] },
    });
    expect(made.statusCode).toBe(201);
    const second = made.json() as { key: string; id: string };
    const c = await f.contact("sandbox", "+14155550133");
    await f.grant(c.contactId);
    const form = { To: "+14155550133", From: "+15005550006", Body: "x", StatusCallback: callbackUrl };
    const token = { "i-twilio-idempotency-token": "order-77" };
    const first = await sendForm(form, token);
    expect(first.statusCode).toBe(201);
    // The same request retried with the same token by another key (after a key rotation): a replay, which
    // stores nothing of the second key.
    const replay = await sendForm(form, token, second.key);
    expect(replay.statusCode).toBe(201);
    expect(replay.json().sid).toBe(first.json().sid);
    const own = await client(second.key).messages.create({
      to: "+14155550133",
      from: "+15005550006",
      body: "y",
      statusCallback: callbackUrl,
    });
    expect(own.status).toBe("queued");
    const kept = await f.rows<{ n: number }>(
      sql`select count(*)::int as n from twilio_callback_keys where api_key_id = ${second.id}`,
    );
    expect(kept[0]?.n).toBe(1);
    // Its callbacks are signed with the second key and delivered, not given up on.
    await f.optOut(c.contactId, "all");
    const posted: { signature: string; fields: Record<string, string> }[] = [];
    const receiver: typeof fetch = async (_url, init) => {
      const fields = Object.fromEntries(new URLSearchParams(String(init?.body)));
      const headers = new Headers(init?.headers);
      if (fields.MessageSid === own.sid)
        posted.push({ signature: headers.get("x-twilio-signature") ?? "", fields });
      return new Response(null, { status: 204 });
    };
    await deliverTwilioCallbacks(s.ctx, { allowPrivateUrls: true, post: posting(receiver) });
    expect(posted).toHaveLength(1);
    const [p] = posted;
    expect(p && twilio.validateRequest(second.key, p.signature, callbackUrl, p.fields)).toBe(true);
  });

  it("tells the StatusCallback when an opt-out suppresses a queued message: failed with 21610", async () => {
    const c = await f.contact("sandbox", "+14155550112");
    await f.grant(c.contactId);
    const msg = await client().messages.create({
      to: "+14155550112",
      from: "+15005550006",
      body: "Later",
      statusCallback: callbackUrl,
    });
    expect(msg.status).toBe("queued");
    // The customer opts out before any dispatcher took the message.
    await f.optOut(c.contactId, "all");
    const posted: Record<string, string>[] = [];
    const receiver: typeof fetch = async (_url, init) => {
      const fields = Object.fromEntries(new URLSearchParams(String(init?.body)));
      if (fields.MessageSid === msg.sid) posted.push(fields);
      return new Response(null, { status: 204 });
    };
    await deliverTwilioCallbacks(s.ctx, { allowPrivateUrls: true, post: posting(receiver) });
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ MessageStatus: "failed", SmsStatus: "failed", ErrorCode: "21610" });
    expect((await client().messages(msg.sid).fetch()).status).toBe("failed");
  });

  it("reports every failure to the StatusCallback with a Twilio error number (a disabled sender: 30008)", async () => {
    const other = await f.sender({ providerId: "sandbox", address: "+15005550099" });
    const c = await f.contact("sandbox", "+14155550113");
    await f.grant(c.contactId);
    const msg = await client().messages.create({
      to: "+14155550113",
      from: "+15005550099",
      body: "Order shipped",
      statusCallback: callbackUrl,
    });
    expect(msg.status).toBe("queued");
    const del = await s.app.inject({
      method: "DELETE",
      url: `/v1/channel-accounts/${other.id}`,
      headers: { authorization: `Bearer ${f.ws.apiKey}` },
    });
    expect(del.statusCode).toBe(200);
    const posted: Record<string, string>[] = [];
    const receiver: typeof fetch = async (_url, init) => {
      const fields = Object.fromEntries(new URLSearchParams(String(init?.body)));
      if (fields.MessageSid === msg.sid) posted.push(fields);
      return new Response(null, { status: 204 });
    };
    await deliverTwilioCallbacks(s.ctx, { allowPrivateUrls: true, post: posting(receiver) });
    expect(posted).toEqual([expect.objectContaining({ MessageStatus: "failed", ErrorCode: "30008" })]);
  });

  it("names the parameter at fault in Twilio's error shape: one given twice, or holding a NUL", async () => {
    const before = await f.count();
    const post = (body: string) =>
      fetch(`${base}/2010-04-01/Accounts/${f.ws.accountSid}/Messages.json`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${f.ws.accountSid}:${f.ws.apiKey}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body,
      });
    for (const [body, field] of [
      ["To=%2B14155550114&From=%2B15005550006&Body=a&Body=b", "Body"],
      ["To=%2B14155550114&To=%2B14155550115&From=%2B15005550006&Body=a", "To"],
      [
        "To=%2B14155550114&From=%2B15005550006&Body=a&StatusCallback=https%3A%2F%2Fx.example%2F%00",
        "StatusCallback",
      ],
      ["To=%2B14155550114&From=%2B15005550006&Body=a%00b", "Body"],
    ] as const) {
      const r = await post(body);
      expect(r.status, body).toBe(400);
      expect(await r.json(), body).toMatchObject({
        code: 21100,
        message: `Invalid parameter: ${field}`,
        more_info: "https://www.twilio.com/docs/errors/21100",
        status: 400,
        field,
      });
    }
    expect(await f.count()).toBe(before);
  });

  it("random form bodies never cause a 5xx or a half-written message", async () => {
    const before = await f.count();
    let created = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            "To",
            "From",
            "MessagingServiceSid",
            "Body",
            "MediaUrl",
            "StatusCallback",
            "ScheduleType",
            "SendAt",
            "X",
          ),
          fc.oneof(fc.string(), fc.constantFrom("+15005550006", "+14155550105", "whatsapp:+1415")),
        ),
        fc.boolean(),
        async (form, repeatMedia) => {
          const params = new URLSearchParams(form);
          if (repeatMedia) params.append("MediaUrl", "not a url");
          const r = await s.app.inject({
            method: "POST",
            url: `/2010-04-01/Accounts/${f.ws.accountSid}/Messages.json`,
            headers: {
              authorization: `Basic ${Buffer.from(`${f.ws.accountSid}:${f.ws.apiKey}`).toString("base64")}`,
              "content-type": "application/x-www-form-urlencoded",
            },
            payload: params.toString(),
          });
          expect(r.statusCode).toBeLessThan(500);
          if (r.statusCode === 201 || (r.statusCode === 400 && r.json().assent_message_id)) created += 1;
        },
      ),
      { numRuns: 80 },
    );
    expect(await f.count()).toBe(before + created);
  });
  it("schedules a message for SendAt with ScheduleType=fixed: answered and fetched as scheduled, due then", async () => {
    const c = await f.contact("sandbox", "+14155550130");
    await f.grant(c.contactId);
    const sendAt = new Date(Date.now() + 3_600_000);
    const msg = await client().messages.create({
      to: "+14155550130",
      messagingServiceSid: sender.messagingServiceSid ?? "",
      body: "See you in an hour",
      scheduleType: "fixed",
      sendAt,
    });
    expect(msg.status).toBe("scheduled");
    const stored = await f.rows<{ status: string; due_at: Date | string }>(
      sql`select status, due_at from messages where twilio_sid = ${msg.sid}`,
    );
    expect(stored[0]?.status).toBe("scheduled");
    // The twilio client sends whole seconds.
    expect(new Date(stored[0]?.due_at ?? 0).getTime()).toBe(Math.floor(sendAt.getTime() / 1000) * 1000);
    expect((await client().messages(msg.sid).fetch()).status).toBe("scheduled");
    // Unlike Twilio (35118), From alone names the sender exactly and schedules too.
    const byFrom = await client().messages.create({
      to: "+14155550130",
      from: "+15005550006",
      body: "And in two",
      scheduleType: "fixed",
      sendAt: new Date(Date.now() + 7_200_000),
    });
    expect(byFrom.status).toBe("scheduled");
  });

  it("refuses an invalid schedule with Twilio's codes naming the field, storing nothing", async () => {
    const before = await f.count();
    const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
    for (const [extra, code, field] of [
      [{ SendAt: inMinutes(60) }, 35126, "ScheduleType"],
      [{ ScheduleType: "recurring", SendAt: inMinutes(60) }, 35126, "ScheduleType"],
      [{ ScheduleType: "fixed" }, 35111, "SendAt"],
      [{ ScheduleType: "fixed", SendAt: "tomorrow at noon" }, 35114, "SendAt"],
      [{ ScheduleType: "fixed", SendAt: "2030-02-30T10:00:00Z" }, 35114, "SendAt"],
      [{ ScheduleType: "fixed", SendAt: inMinutes(5) }, 35114, "SendAt"],
      [{ ScheduleType: "fixed", SendAt: inMinutes(36 * 24 * 60) }, 35114, "SendAt"],
    ] as const) {
      const r = await fetch(`${base}/2010-04-01/Accounts/${f.ws.accountSid}/Messages.json`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${f.ws.accountSid}:${f.ws.apiKey}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({
          To: "+14155550131",
          MessagingServiceSid: sender.messagingServiceSid ?? "",
          Body: "Later",
          ...extra,
        }).toString(),
      });
      const label = JSON.stringify(extra);
      expect(r.status, label).toBe(400);
      expect(await r.json(), label).toMatchObject({
        code,
        status: 400,
        field,
        more_info: `https://www.twilio.com/docs/errors/${code}`,
      });
    }
    expect(await f.count()).toBe(before);
  });

  it("answers a send whose outcome is unknown with Twilio's 500 (20500), never as a refusal of the request", async () => {
    const batcher = getSendBatcher(s.ctx);
    const submit = batcher.submit;
    batcher.submit = () =>
      Promise.reject(new AppError("unavailable", { message: "The outcome of this request is unknown" }));
    try {
      const failed = await client()
        .messages.create({ to: "+14155550150", from: "+15005550006", body: "Hi" })
        .then(
          () => null,
          (e: { status: number; code: number; message: string }) => e,
        );
      expect(failed).toMatchObject({
        status: 500,
        code: 20500,
        message: "The outcome of this request is unknown",
      });
    } finally {
      batcher.submit = submit;
    }
  });

  it("names the message's own recipient, not the contact's newest address, when fetched and in callbacks", async () => {
    const c = await f.contact("sandbox", "+14155550140");
    await f.grant(c.contactId);
    const msg = await client().messages.create({
      to: "+14155550140",
      from: "+15005550006",
      body: "Your table is ready",
      statusCallback: callbackUrl,
    });
    // The contact gets another address on the same channel, newer than the one the message went to.
    const added = await s.app.inject({
      method: "POST",
      url: `/v1/contacts/${c.contactId}/identities`,
      headers: f.auth,
      payload: { channel: "sandbox", address: "+14155550141" },
    });
    expect(added.statusCode).toBe(201);
    expect((await client().messages(msg.sid).fetch()).to).toBe("+14155550140");
    await dispatchThenDeliver(msg.sid);
    const posted: Record<string, string>[] = [];
    const receiver: typeof fetch = async (_url, init) => {
      const fields = Object.fromEntries(new URLSearchParams(String(init?.body)));
      if (fields.MessageSid === msg.sid) posted.push(fields);
      return new Response(null, { status: 204 });
    };
    await waitUntil(
      async () => {
        await deliverTwilioCallbacks(s.ctx, { allowPrivateUrls: true, post: posting(receiver) });
        return posted.length >= 2;
      },
      { what: "callbacks" },
    );
    expect(posted.map((p) => [p.MessageStatus, p.To])).toEqual([
      ["sent", "+14155550140"],
      ["delivered", "+14155550140"],
    ]);
  });

  it("refuses a StatusCallback to a private, loopback or link-local address (400 21609 naming the field)", async () => {
    // The app with this deployment's default policy (ASSENT_WEBHOOKS_ALLOW_PRIVATE off), same context.
    const strict = {
      app: await buildApp(s.ctx, {
        routes: messagingTestRoutes({ privateCallbacks: false }),
        resolveSession: sessionResolver(s.ctx),
      }),
    };
    try {
      const c = await f.contact("sandbox", "+33612345670");
      await f.grant(c.contactId);
      const post = (statusCallback: string) =>
        strict.app.inject({
          method: "POST",
          url: `/2010-04-01/Accounts/${f.ws.accountSid}/Messages.json`,
          headers: {
            authorization: `Basic ${Buffer.from(`${f.ws.accountSid}:${f.ws.apiKey}`).toString("base64")}`,
            "content-type": "application/x-www-form-urlencoded",
          },
          payload: new URLSearchParams({
            To: "+33612345670",
            From: "+15005550006",
            Body: "Your code is 1234",
            StatusCallback: statusCallback,
          }).toString(),
        });
      const before = await f.count();
      for (const url of [
        "http://127.0.0.1:8080/status",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/cb",
        "http://[::1]/cb",
        "http://localhost:3000/cb",
        "http://0x7f000001/cb",
        "ftp://example.com/cb",
        "http://user:pw@93.184.216.34/cb",
      ]) {
        const r = await post(url);
        expect(r.statusCode, url).toBe(400);
        expect(r.json(), url).toMatchObject({ code: 21609, status: 400, field: "StatusCallback" });
        expect(r.json().message, url).toMatch(/^Invalid StatusCallback: /);
      }
      expect(await f.count()).toBe(before);
      const ok = await post("https://93.184.216.34/twilio/status");
      expect(ok.statusCode).toBe(201);
      expect(await f.count()).toBe(before + 1);
    } finally {
      await strict.app.close();
    }
  });
});
