import twilio from "twilio";
import { beforeAll, describe, expect, it } from "vitest";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { buildInstagramTextWebhook, buildTelegramTextUpdate } from "../channels/testing/index.js";
import { confirmationText } from "../intent/index.js";
import { isUnreachable } from "./is-unreachable.js";
import { listUnreachable } from "./list-unreachable.js";
import { setReachability } from "./set-reachability.js";
import {
  contactOf,
  creds,
  footprint,
  inbound,
  ledger,
  PUBLIC_URL,
  postWebhook,
  replies,
  send,
  signedMeta,
  signedTwilio,
  statuses,
  type TInboundServer,
  type TInboundWorld,
  twilioInbound,
} from "./testing/inbound-fixture.js";

let s: TInboundServer;
let w: TInboundWorld;

/** Registered by inbound.test.ts, which owns the server (one database for all suites). */
export function providersSuite(server: () => TInboundServer): void {
  describe("Twilio, Telegram, Instagram", () => {
    beforeAll(async () => {
      s = server();
      w = await s.world("Acme");
    });
    describe("Twilio inbound", () => {
      it("verifies the signature on the exact public URL, as Twilio's own validator does", async () => {
        const params = twilioInbound("+33612350001", "Hello");
        const m = signedTwilio(w.senders.twilio.id, params);
        const url = `${PUBLIC_URL}/webhooks/${w.senders.twilio.id}`;
        expect(
          twilio.validateRequest(creds.twilio.authToken, m.headers["x-twilio-signature"] ?? "", url, params),
        ).toBe(true);
        const ok = await postWebhook(s.app, w.senders.twilio.id, m.body, m.headers);
        expect(ok.statusCode).toBe(200);
        expect(ok.headers["content-type"]).toMatch(/^text\/xml/);
        expect(ok.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');

        const before = await footprint(s);
        // Signed for another URL (the local address, a different path, http instead of https): refused.
        for (const other of [
          "http://localhost/webhooks/",
          "https://assent.example.com/hooks/",
          "http://assent.example.com/webhooks/",
        ]) {
          const p = twilioInbound("+33612350002", "STOP");
          const wrong = signedTwilio(w.senders.twilio.id, p);
          const sig = twilio.getExpectedTwilioSignature(
            creds.twilio.authToken,
            `${other}${w.senders.twilio.id}`,
            p,
          );
          const r = await postWebhook(s.app, w.senders.twilio.id, wrong.body, {
            ...wrong.headers,
            "x-twilio-signature": sig,
          });
          expect(r.statusCode).toBe(401);
          expect(r.json().error).toMatchObject({ code: "invalid_signature", field: "X-Twilio-Signature" });
        }
        // A query string is part of the signed URL.
        const p = twilioInbound("+33612350002", "STOP");
        const withQuery = `${PUBLIC_URL}/webhooks/${w.senders.twilio.id}?x=1`;
        const sig = twilio.getExpectedTwilioSignature(creds.twilio.authToken, withQuery, p);
        const m2 = signedTwilio(w.senders.twilio.id, p);
        expect(
          (
            await s.app.inject({
              method: "POST",
              url: `/webhooks/${w.senders.twilio.id}?x=1`,
              headers: { ...m2.headers, "x-twilio-signature": sig },
              payload: m2.body,
            })
          ).statusCode,
        ).toBe(200);
        expect(
          (
            await s.app.inject({
              method: "POST",
              url: `/webhooks/${w.senders.twilio.id}?x=2`,
              headers: { ...m2.headers, "x-twilio-signature": sig },
              payload: m2.body,
            })
          ).statusCode,
        ).toBe(401);
        const after = await footprint(s);
        expect(after.inbound_messages).toBe((before.inbound_messages ?? 0) + 1);
      });

      it("STOP by SMS opts out, suppresses the brand's queued messages and queues one confirmation", async () => {
        const phone = "+33612350003";
        const queued = [
          await send(s, w, {
            to: phone,
            channel: "sms",
            channelAccountId: w.senders.twilio.id,
            category: "transactional",
          }),
          await send(s, w, {
            to: phone,
            channel: "sms",
            channelAccountId: w.senders.twilio.id,
            category: "transactional",
            body: "Second",
          }),
        ];
        const m = signedTwilio(w.senders.twilio.id, twilioInbound(phone, "Stop"));
        const r = await postWebhook(s.app, w.senders.twilio.id, m.body, m.headers);
        expect(r.statusCode).toBe(200);
        const after = await statuses(
          s,
          queued.map((q) => q.id),
        );
        for (const q of queued) expect(after[q.id]).toEqual({ status: "suppressed", reason: "opted_out" });
        const contactId = (await contactOf(s, w, "sms", phone)) ?? "";
        const sent = await replies(s, w, contactId);
        expect(sent).toHaveLength(1);
        expect(sent[0]).toMatchObject({
          kind: "opt_out_confirmation",
          channelAccountId: w.senders.twilio.id,
          body: confirmationText("opt_out", "en", "Acme brand"),
        });
      });

      it("does not confirm twice when Twilio's Advanced Opt-Out already answered (OptOutType)", async () => {
        const phone = "+33612350004";
        const m = signedTwilio(w.senders.twilio.id, twilioInbound(phone, "STOP", { OptOutType: "STOP" }));
        expect((await postWebhook(s.app, w.senders.twilio.id, m.body, m.headers)).statusCode).toBe(200);
        const contactId = (await contactOf(s, w, "sms", phone)) ?? "";
        expect((await ledger(s, contactId)).filter((e) => e.kind === "opt_out")).toHaveLength(1);
        expect(await replies(s, w, contactId)).toHaveLength(0);
      });

      it("records what Twilio's Advanced Opt-Out did with a keyword of its own list (OptOutType), whatever the text", async () => {
        const phone = "+33612350014";
        // "FIN" is a custom opt-out keyword on the Twilio side: Twilio blocks the number, so Assent opts out.
        const stop = signedTwilio(w.senders.twilio.id, twilioInbound(phone, "FIN", { OptOutType: "STOP" }));
        expect((await postWebhook(s.app, w.senders.twilio.id, stop.body, stop.headers)).statusCode).toBe(200);
        const contactId = (await contactOf(s, w, "sms", phone)) ?? "";
        const afterStop = await ledger(s, contactId);
        expect(afterStop.filter((e) => e.kind === "opt_out")).toHaveLength(1);
        expect(await replies(s, w, contactId)).toHaveLength(0);
        // "REPRENDRE" on Twilio's opt-in list: Twilio unblocks, Assent lifts the opt-out.
        const start = signedTwilio(
          w.senders.twilio.id,
          twilioInbound(phone, "REPRENDRE", { OptOutType: "START" }),
        );
        expect((await postWebhook(s.app, w.senders.twilio.id, start.body, start.headers)).statusCode).toBe(
          200,
        );
        expect((await ledger(s, contactId)).filter((e) => e.kind === "opt_in")).toHaveLength(1);
      });

      it("refuses a form body that is neither an inbound message nor a status callback (400) and an unsigned one (401)", async () => {
        const before = await footprint(s);
        const odd = signedTwilio(w.senders.twilio.id, { AccountSid: creds.twilio.accountSid, Foo: "bar" });
        const r = await postWebhook(s.app, w.senders.twilio.id, odd.body, odd.headers);
        expect(r.statusCode).toBe(400);
        const unsigned = signedTwilio(w.senders.twilio.id, twilioInbound("+33612350005", "STOP"));
        const u = await postWebhook(s.app, w.senders.twilio.id, unsigned.body, {
          "content-type": "application/x-www-form-urlencoded",
        });
        expect(u.statusCode).toBe(401);
        expect(await footprint(s)).toEqual(before);
      });

      it("refuses a signed delivery whose message id is longer than any provider writes: 400 naming it, nothing stored", async () => {
        const before = await footprint(s);
        const orphans = async () =>
          (await s.database.query<{ n: number }>("select count(*)::int as n from orphan_status_events"))[0]
            ?.n;
        const orphansBefore = await orphans();
        const long = `SM${"a1".repeat(4000)}`;
        const deliveries: Record<string, string>[] = [
          { ...twilioInbound("+33612350006", "hello"), MessageSid: long },
          {
            AccountSid: creds.twilio.accountSid,
            MessageSid: long,
            MessageStatus: "delivered",
            To: "+33612350006",
            From: creds.twilio.from,
          },
        ];
        for (const params of deliveries) {
          const m = signedTwilio(w.senders.twilio.id, params);
          const r = await postWebhook(s.app, w.senders.twilio.id, m.body, m.headers);
          expect(r.statusCode).toBe(400);
          expect(r.json().error.field).toBe("dedupeKey");
        }
        expect(await footprint(s)).toEqual(before);
        expect(await orphans()).toBe(orphansBefore);
      });
    });

    describe("Telegram inbound", () => {
      const tgHeaders = (secret: string) => ({
        "content-type": "application/json",
        "x-telegram-bot-api-secret-token": secret,
      });

      it("STOP opts out; a wrong secret token is refused", async () => {
        const update = JSON.stringify(
          buildTelegramTextUpdate({ updateId: 1001, chatId: 5550001, messageId: 1, text: "/stop" }),
        );
        const before = await footprint(s);
        const wrong = await postWebhook(s.app, w.senders.telegram.id, update, tgHeaders("nope"));
        expect(wrong.statusCode).toBe(401);
        expect(await footprint(s)).toEqual(before);
        const stop = JSON.stringify(
          buildTelegramTextUpdate({ updateId: 1002, chatId: 5550001, messageId: 2, text: "STOP" }),
        );
        const r = await postWebhook(
          s.app,
          w.senders.telegram.id,
          stop,
          tgHeaders(creds.telegram.webhookSecret),
        );
        expect(r.statusCode).toBe(200);
        const contactId = (await contactOf(s, w, "telegram", "5550001")) ?? "";
        expect((await inbound(s, contactId)).at(-1)).toMatchObject({ action: "opted_out" });
        expect(await replies(s, w, contactId)).toHaveLength(1);
      });

      it("a block makes the contact unreachable through that bot (not an opt-out); an unblock undoes it; late events never win", async () => {
        const hello = JSON.stringify(
          buildTelegramTextUpdate({ updateId: 2001, chatId: 5550002, messageId: 1, text: "hi" }),
        );
        await postWebhook(s.app, w.senders.telegram.id, hello, tgHeaders(creds.telegram.webhookSecret));
        const contactId = (await contactOf(s, w, "telegram", "5550002")) ?? "";
        const member = (updateId: number, from: string, to: string, date: number) =>
          JSON.stringify({
            update_id: updateId,
            my_chat_member: {
              chat: { id: 5550002, type: "private", first_name: "T" },
              from: { id: 5550002, is_bot: false, first_name: "T" },
              date,
              old_chat_member: { status: from, user: { id: 7012345678, is_bot: true, first_name: "bot" } },
              new_chat_member: {
                status: to,
                user: { id: 7012345678, is_bot: true, first_name: "bot" },
                ...(to === "kicked" ? { until_date: 0 } : {}),
              },
            },
          });
        const t0 = Math.floor(Date.now() / 1000);
        const check = () =>
          withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
            isUnreachable(tx, {
              workspaceId: w.ws.workspaceId,
              channelAccountId: w.senders.telegram.id,
              contactId,
            }),
          );
        expect(await check()).toBe(false);
        expect(
          (
            await postWebhook(
              s.app,
              w.senders.telegram.id,
              member(2002, "member", "kicked", t0),
              tgHeaders(creds.telegram.webhookSecret),
            )
          ).statusCode,
        ).toBe(200);
        expect(await check()).toBe(true);
        const batch = await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
          listUnreachable(tx, {
            pairs: [
              { workspaceId: w.ws.workspaceId, channelAccountId: w.senders.telegram.id, contactId },
              { workspaceId: w.ws.workspaceId, channelAccountId: w.senders.whatsapp.id, contactId },
            ],
          }),
        );
        expect([...batch]).toEqual([`${w.senders.telegram.id}:${contactId}`]);
        expect((await ledger(s, contactId)).filter((e) => e.kind === "opt_out")).toHaveLength(0);
        await postWebhook(
          s.app,
          w.senders.telegram.id,
          member(2003, "kicked", "member", t0 + 10),
          tgHeaders(creds.telegram.webhookSecret),
        );
        expect(await check()).toBe(false);
        // An older block delivered late does not undo the newer unblock.
        await postWebhook(
          s.app,
          w.senders.telegram.id,
          member(2004, "member", "kicked", t0 + 5),
          tgHeaders(creds.telegram.webhookSecret),
        );
        expect(await check()).toBe(false);
      });
    });

    describe("Reachability after a refused send", () => {
      const tgHeaders = (secret: string) => ({
        "content-type": "application/json",
        "x-telegram-bot-api-secret-token": secret,
      });

      it("a message from the person through the same bot makes them reachable again, unless the refusal is newer", async () => {
        const chatId = 5550012;
        const hello = JSON.stringify(
          buildTelegramTextUpdate({ updateId: 2101, chatId, messageId: 1, text: "hi" }),
        );
        await postWebhook(s.app, w.senders.telegram.id, hello, tgHeaders(creds.telegram.webhookSecret));
        const contactId = (await contactOf(s, w, "telegram", String(chatId))) ?? "";
        const key = { workspaceId: w.ws.workspaceId, channelAccountId: w.senders.telegram.id, contactId };
        const check = () => withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) => isUnreachable(tx, key));
        const refusedAt = new Date(Date.now() - 60_000);
        await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
          setReachability(tx, {
            ...key,
            unreachable: true,
            reason: "send_refused",
            at: refusedAt,
            actor: { type: "system", id: null },
          }),
        );
        expect(await check()).toBe(true);
        // A message written before the refusal, delivered late, changes nothing.
        const late = JSON.stringify(
          buildTelegramTextUpdate({
            updateId: 2102,
            chatId,
            messageId: 2,
            text: "earlier",
            at: new Date(refusedAt.getTime() - 30_000),
          }),
        );
        await postWebhook(s.app, w.senders.telegram.id, late, tgHeaders(creds.telegram.webhookSecret));
        expect(await check()).toBe(true);
        const start = JSON.stringify(
          buildTelegramTextUpdate({ updateId: 2103, chatId, messageId: 3, text: "/start" }),
        );
        expect(
          (await postWebhook(s.app, w.senders.telegram.id, start, tgHeaders(creds.telegram.webhookSecret)))
            .statusCode,
        ).toBe(200);
        expect(await check()).toBe(false);
      });
    });

    describe("Instagram inbound", () => {
      it("a natural-language opt-out opts out and is confirmed", async () => {
        const payload = buildInstagramTextWebhook({
          igId: creds.instagram.igId,
          from: "990001",
          mid: "m_ig_1",
          text: "take my number off your list please",
        });
        const m = signedMeta(creds.instagram.appSecret, payload);
        const r = await postWebhook(s.app, w.senders.instagram.id, m.body, m.headers);
        expect(r.statusCode).toBe(200);
        const contactId = (await contactOf(s, w, "instagram", "990001")) ?? "";
        expect((await ledger(s, contactId)).filter((e) => e.kind === "opt_out")).toMatchObject([
          { scope: "all", method: "natural_language" },
        ]);
        expect(await replies(s, w, contactId)).toHaveLength(1);
        const unsigned = await postWebhook(s.app, w.senders.instagram.id, m.body, {
          "content-type": "application/json",
        });
        expect(unsigned.statusCode).toBe(401);
      });
    });
  });
}
