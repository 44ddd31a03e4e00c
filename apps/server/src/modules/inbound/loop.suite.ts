import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildInstagramTextWebhook,
  buildTelegramTextUpdate,
  buildWhatsAppStatusWebhook,
  buildWhatsAppTextWebhook,
  signTwilioWebhook,
  startFakeInstagramServer,
  startFakeTelegramServer,
  startFakeTwilioServer,
  startFakeWhatsAppServer,
  type TFakeInstagramServer,
  type TFakeTelegramServer,
  type TFakeTwilioServer,
  type TFakeWhatsAppServer,
  twilioFormBody,
} from "../channels/testing/index.js";
import { confirmationText } from "../intent/index.js";
import { startDispatcher } from "../messaging/index.js";
import {
  contactOf,
  creds,
  dedupeIndex,
  ledger,
  PUBLIC_URL,
  postWebhook,
  replies,
  signedMeta,
  signedTwilio,
  statuses,
  type TInboundServer,
  type TInboundWorld,
  twilioInbound,
} from "./testing/inbound-fixture.js";

/**
 * The whole loop against local fake providers: a signed webhook in, the opt-out and its suppression,
 * the dispatcher hands the one confirmation to the provider, in the customer's language, and nothing else.
 */
let s: TInboundServer;
let w: TInboundWorld;
let wa: TFakeWhatsAppServer;
let tw: TFakeTwilioServer;
let tg: TFakeTelegramServer;
let ig: TFakeInstagramServer;
let stopDispatcher: () => Promise<void>;

async function until<T>(
  what: string,
  read: () => T | Promise<T>,
  ok: (v: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Registered by inbound.test.ts, which owns the server (one database for all suites). */
export function loopSuite(server: () => TInboundServer): void {
  describe("dispatch loop", () => {
    beforeAll(async () => {
      s = server();
      w = await s.world("Acme");
      wa = await startFakeWhatsAppServer({
        accessToken: creds.whatsapp.accessToken,
        phoneNumberId: creds.whatsapp.phoneNumberId,
      });
      tw = await startFakeTwilioServer({
        accountSid: creds.twilio.accountSid,
        authToken: creds.twilio.authToken,
        statusCallbacks: false,
      });
      tg = await startFakeTelegramServer({ botToken: creds.telegram.botToken });
      ig = await startFakeInstagramServer({
        accessToken: creds.instagram.accessToken,
        igId: creds.instagram.igId,
      });
      stopDispatcher = await startDispatcher(s.ctx, {
        baseUrls: { "whatsapp-cloud": wa.url, twilio: tw.url, "telegram-bot": tg.url, instagram: ig.url },
        pollMs: 20,
      });
    });
    afterAll(async () => {
      await stopDispatcher?.();
      await Promise.all([wa?.close(), tw?.close(), tg?.close(), ig?.close()]);
    });
    describe("the whole loop through the dispatcher and the fake providers", () => {
      it("WhatsApp: ARRET → the French confirmation reaches the provider, the queued marketing never does; its status comes back", async () => {
        const hello = signedMeta(
          creds.whatsapp.appSecret,
          buildWhatsAppTextWebhook({
            phoneNumberId: creds.whatsapp.phoneNumberId,
            from: "33612360001",
            id: "wamid.loop1",
            body: "Bonjour",
          }),
        );
        await postWebhook(s.app, w.senders.whatsapp.id, hello.body, hello.headers);
        // Hold the queue: a scheduled message can be suppressed just like a queued one.
        const later = await s.app.inject({
          method: "POST",
          url: "/v1/messages",
          headers: { authorization: `Bearer ${w.ws.apiKey}` },
          payload: {
            to: "+33612360001",
            channel: "whatsapp",
            brandId: w.ws.brandId,
            channelAccountId: w.senders.whatsapp.id,
            category: "transactional",
            body: "Votre colis",
            scheduledAt: new Date(Date.now() + 3_600_000).toISOString(),
          },
        });
        expect(later.json().status).toBe("scheduled");
        const stop = signedMeta(
          creds.whatsapp.appSecret,
          buildWhatsAppTextWebhook({
            phoneNumberId: creds.whatsapp.phoneNumberId,
            from: "33612360001",
            id: "wamid.loop2",
            body: "ARRET",
          }),
        );
        expect((await postWebhook(s.app, w.senders.whatsapp.id, stop.body, stop.headers)).statusCode).toBe(
          200,
        );
        expect((await statuses(s, [later.json().id]))[later.json().id]).toEqual({
          status: "suppressed",
          reason: "opted_out",
        });

        const accepted = await until(
          "the WhatsApp confirmation",
          () => wa.accepted,
          (a) => a.length >= 1,
        );
        const request = accepted[0]?.request;
        expect(request?.type).toBe("text");
        expect(request?.type === "text" ? request.text.body : "").toBe(
          confirmationText("opt_out", "fr", "Acme brand"),
        );
        expect(request?.to.replace(/^\+/, "")).toBe("33612360001");

        const contactId = (await contactOf(s, w, "whatsapp", "+33612360001")) ?? "";
        const [reply] = await replies(s, w, contactId);
        await until(
          "the reply marked sent",
          () => statuses(s, [reply?.id ?? ""]),
          (st) => st[reply?.id ?? ""]?.status === "sent",
        );
        const delivered = signedMeta(
          creds.whatsapp.appSecret,
          buildWhatsAppStatusWebhook({
            phoneNumberId: creds.whatsapp.phoneNumberId,
            id: accepted[0]?.wamid ?? "",
            status: "delivered",
            recipientId: "33612360001",
          }),
        );
        expect(
          (await postWebhook(s.app, w.senders.whatsapp.id, delivered.body, delivered.headers)).statusCode,
        ).toBe(200);
        expect((await statuses(s, [reply?.id ?? ""]))[reply?.id ?? ""]?.status).toBe("delivered");
        await new Promise((r) => setTimeout(r, 200));
        expect(wa.accepted).toHaveLength(1);
      });

      it("Twilio: STOP → one English confirmation by SMS, the queued message suppressed", async () => {
        const phone = "+33612360002";
        tw.accepted.length = 0;
        const later = await s.app.inject({
          method: "POST",
          url: "/v1/messages",
          headers: { authorization: `Bearer ${w.ws.apiKey}` },
          payload: {
            to: phone,
            channel: "sms",
            brandId: w.ws.brandId,
            channelAccountId: w.senders.twilio.id,
            category: "transactional",
            body: "should never leave",
            scheduledAt: new Date(Date.now() + 3_600_000).toISOString(),
          },
        });
        expect(later.json().status).toBe("scheduled");
        const m = signedTwilio(w.senders.twilio.id, twilioInbound(phone, "STOP"));
        expect((await postWebhook(s.app, w.senders.twilio.id, m.body, m.headers)).statusCode).toBe(200);
        expect((await statuses(s, [later.json().id]))[later.json().id]).toEqual({
          status: "suppressed",
          reason: "opted_out",
        });
        const confirmation = confirmationText("opt_out", "en", "Acme brand");
        const accepted = await until(
          "the SMS confirmation",
          () => tw.accepted,
          (a) => a.some((x) => x.params.To === phone),
        );
        await new Promise((r) => setTimeout(r, 200));
        expect(tw.accepted.filter((x) => x.params.To === phone).map((x) => x.params.Body)).toEqual([
          confirmation,
        ]);
        expect(accepted.find((x) => x.params.To === phone)?.params.From).toBe(creds.twilio.from);
      });

      it("Twilio refuses a send with 21610: the opt-out enters the ledger and the rest of the brand's queue is suppressed", async () => {
        const phone = "+33612360077";
        tw.failFor(phone, 21610);
        const post = (body: string, scheduledAt?: string) =>
          s.app.inject({
            method: "POST",
            url: "/v1/messages",
            headers: { authorization: `Bearer ${w.ws.apiKey}` },
            payload: {
              to: phone,
              channel: "sms",
              brandId: w.ws.brandId,
              channelAccountId: w.senders.twilio.id,
              category: "transactional",
              body,
              ...(scheduledAt ? { scheduledAt } : {}),
            },
          });
        const later = await post("never", new Date(Date.now() + 3_600_000).toISOString());
        expect(later.json().status).toBe("scheduled");
        const first = await post("refused by the provider");
        const refused = await until(
          "the refused send",
          async () => (await statuses(s, [first.json().id]))[first.json().id],
          (v) => v?.status === "failed",
        );
        expect(refused?.reason).toBe("recipient_opted_out");
        const contactId = await contactOf(s, w, "sms", phone);
        if (!contactId) throw new Error("no contact");
        const entries = await ledger(s, contactId);
        expect(entries.filter((e) => e.kind === "opt_out")).toEqual([
          expect.objectContaining({ brand_id: w.ws.brandId, scope: "all", method: "provider_preference" }),
        ]);
        expect((await statuses(s, [later.json().id]))[later.json().id]).toEqual({
          status: "suppressed",
          reason: "opted_out",
        });
        // Every later send of the brand is refused before it reaches the provider.
        expect((await post("after")).json()).toMatchObject({ status: "suppressed", reason: "opted_out" });
      });

      it("Twilio: a send whose SM sid was never recorded is reconciled by its status callback, which names the message", async () => {
        const phone = "+33612360078";
        const sent = await s.app.inject({
          method: "POST",
          url: "/v1/messages",
          headers: { authorization: `Bearer ${w.ws.apiKey}` },
          payload: {
            to: phone,
            channel: "sms",
            brandId: w.ws.brandId,
            channelAccountId: w.senders.twilio.id,
            category: "transactional",
            body: "Your order shipped",
          },
        });
        const id = sent.json().id as string;
        await until(
          "the send",
          async () => (await statuses(s, [id]))[id],
          (v) => v?.status === "sent",
        );
        const handed = tw.accepted.find((x) => x.params.To === phone);
        if (!handed) throw new Error("not handed to Twilio");
        // The StatusCallback names this sender's webhook and the message.
        const callbackPath = `/webhooks/${w.senders.twilio.id}?m=${id}`;
        expect(handed.params.StatusCallback).toBe(`${PUBLIC_URL}${callbackPath}`);
        // The worker died after Twilio accepted and before the SM sid was stored: the lease expired.
        await s.database.query(
          "update messages set status = 'unknown', reason = 'lease_expired', provider_message_id = null where id = $1",
          [id],
        );
        await s.database.query("delete from message_provider_ids where message_id = $1", [id]);
        const fields = {
          AccountSid: creds.twilio.accountSid,
          MessageSid: handed.sid,
          MessageStatus: "delivered",
          To: phone,
          From: creds.twilio.from,
        };
        const url = `${PUBLIC_URL}${callbackPath}`;
        const r = await s.app.inject({
          method: "POST",
          url: callbackPath,
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": signTwilioWebhook(creds.twilio.authToken, url, fields),
          },
          payload: twilioFormBody(fields),
        });
        expect(r.statusCode).toBe(200);
        expect((await statuses(s, [id]))[id]?.status).toBe("delivered");
        const stored = await s.database.query<{ provider_message_id: string }>(
          "select provider_message_id from messages where id = $1",
          [id],
        );
        expect(stored[0]?.provider_message_id).toBe(handed.sid);
      });

      it("Telegram: 退订 → the Chinese confirmation reaches the chat", async () => {
        const update = JSON.stringify(
          buildTelegramTextUpdate({ updateId: 9001, chatId: 5560001, messageId: 1, text: "退订" }),
        );
        const r = await postWebhook(s.app, w.senders.telegram.id, update, {
          "content-type": "application/json",
          "x-telegram-bot-api-secret-token": creds.telegram.webhookSecret,
        });
        expect(r.statusCode).toBe(200);
        const accepted = await until(
          "the Telegram confirmation",
          () => tg.accepted,
          (a) => a.some((x) => String(x.params.chat_id) === "5560001"),
        );
        const sent = accepted.filter((x) => String(x.params.chat_id) === "5560001");
        expect(sent).toHaveLength(1);
        expect(sent[0]?.params.text).toBe(confirmationText("opt_out", "zh", "Acme brand"));
      });

      it("Telegram Business: answered through the customer's business connection, while it is enabled", async () => {
        const headers = {
          "content-type": "application/json",
          "x-telegram-bot-api-secret-token": creds.telegram.webhookSecret,
        };
        const post = (update: unknown) =>
          postWebhook(s.app, w.senders.telegram.id, JSON.stringify(update), headers);
        const now = Math.floor(Date.now() / 1000);
        const owner = { id: 4440001, is_bot: false, first_name: "Shop owner" };
        const connection = (updateId: number, enabled: boolean, date: number) => ({
          update_id: updateId,
          business_connection: {
            id: "bc-loop-1",
            user: owner,
            user_chat_id: owner.id,
            date,
            is_enabled: enabled,
            rights: { can_reply: true },
          },
        });
        expect((await post(connection(9101, true, now - 60))).statusCode).toBe(200);
        const customer = { id: 5560002, is_bot: false, first_name: "Customer" };
        const businessMessage = (updateId: number, messageId: number, text: string) => ({
          update_id: updateId,
          business_message: {
            message_id: messageId,
            business_connection_id: "bc-loop-1",
            from: customer,
            chat: { id: customer.id, type: "private", first_name: "Customer" },
            date: now,
            text,
          },
        });
        expect((await post(businessMessage(9102, 7, "STOP"))).statusCode).toBe(200);
        const accepted = await until(
          "the confirmation through the business connection",
          () => tg.accepted,
          (a) => a.some((x) => String(x.params.chat_id) === "5560002"),
        );
        const sent = accepted.filter((x) => String(x.params.chat_id) === "5560002");
        expect(sent).toHaveLength(1);
        expect(sent[0]?.params).toMatchObject({ business_connection_id: "bc-loop-1" });
        const contactId = (await contactOf(s, w, "telegram", "5560002")) ?? "";
        // The bot's own chat with the same person has its own message ids: the same chat and message ids
        // there are another message, not a duplicate of the business one.
        expect(
          (
            await post(
              buildTelegramTextUpdate({ updateId: 9103, chatId: customer.id, messageId: 7, text: "START" }),
            )
          ).statusCode,
        ).toBe(200);
        const stored = await s.database.query<{ dedupe_index: string }>(
          "select dedupe_index from inbound_messages where contact_id = $1 order by received_at, id",
          [contactId],
        );
        expect(stored.map((r) => r.dedupe_index)).toEqual([
          dedupeIndex(w, "bc-loop-1:5560002:7"),
          dedupeIndex(w, "5560002:7"),
        ]);
        // The customer's latest message came to the bot itself: the answer to it goes from the bot.
        const answers = await until(
          "the START confirmation",
          () => tg.accepted.filter((x) => String(x.params.chat_id) === "5560002"),
          (a) => a.length >= 2,
        );
        expect(answers[1]?.params.business_connection_id).toBeUndefined();
        // The customer writes through the business again, then the business disconnects the bot: a
        // later disconnection is recorded, an older report is not, and the next message goes from the bot.
        expect((await post({ ...businessMessage(9104, 8, "thanks"), update_id: 9104 })).statusCode).toBe(200);
        expect((await post(connection(9105, false, now))).statusCode).toBe(200);
        expect((await post(connection(9106, true, now - 30))).statusCode).toBe(200);
        const [recorded] = await s.database.query<{ enabled: boolean }>(
          "select enabled from telegram_business_connections where business_connection_id = 'bc-loop-1'",
        );
        expect(recorded).toEqual({ enabled: false });
        const later = await s.app.inject({
          method: "POST",
          url: "/v1/messages",
          headers: { authorization: `Bearer ${w.ws.apiKey}` },
          payload: {
            contactId,
            channel: "telegram",
            brandId: w.ws.brandId,
            channelAccountId: w.senders.telegram.id,
            category: "transactional",
            body: "Your order shipped",
          },
        });
        expect(later.statusCode, later.body).toBe(202);
        const shipped = await until(
          "the message after the disconnection",
          () => tg.accepted.filter((x) => x.params.text === "Your order shipped"),
          (a) => a.length >= 1,
        );
        expect(shipped[0]?.params.chat_id).toBe("5560002");
        expect(shipped[0]?.params.business_connection_id).toBeUndefined();
      });

      it("Instagram: a plain-language opt-out gets one confirmation in a DM", async () => {
        const payload = buildInstagramTextWebhook({
          igId: creds.instagram.igId,
          from: "990077",
          mid: "m_loop_1",
          text: "unsubscribe",
        });
        const m = signedMeta(creds.instagram.appSecret, payload);
        expect((await postWebhook(s.app, w.senders.instagram.id, m.body, m.headers)).statusCode).toBe(200);
        const accepted = await until(
          "the Instagram confirmation",
          () => ig.accepted,
          (a) => a.length >= 1,
        );
        expect(accepted).toHaveLength(1);
        expect(accepted[0]?.request.recipient).toEqual({ id: "990077" });
        expect(accepted[0]?.request.message).toMatchObject({
          text: confirmationText("opt_out", "en", "Acme brand"),
        });
      });
    });
  });
}
