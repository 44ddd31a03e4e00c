import { beforeAll, describe, expect, it } from "vitest";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { decryptField } from "../../core/keyring.js";
import { buildWhatsAppTextWebhook } from "../channels/testing/index.js";
import { confirmationText } from "../intent/index.js";
import { createChannelAccount } from "../messaging/index.js";
import { createWebhookSubscription, invalidateWebhookSubscriptions } from "../webhooks/index.js";
import { createBrand } from "../workspaces/index.js";
import {
  contactOf,
  count,
  creds,
  dedupeIndex,
  footprint,
  grantMarketing,
  inbound,
  ledger,
  postWebhook,
  replies,
  send,
  signedMeta,
  statuses,
  type TInboundServer,
  type TInboundWorld,
} from "./testing/inbound-fixture.js";

let s: TInboundServer;
let w: TInboundWorld;
let seq = 0;

function waText(from: string, body: string, id = `wamid.test${++seq}`) {
  return signedMeta(
    creds.whatsapp.appSecret,
    buildWhatsAppTextWebhook({ phoneNumberId: creds.whatsapp.phoneNumberId, from, id, body }),
  );
}

async function waPost(from: string, body: string, id?: string) {
  const m = waText(from, body, id);
  return postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers);
}

/** A person who wrote to the brand on WhatsApp (window open), consented to marketing, with messages queued. */
async function personWithQueue(phoneDigits: string) {
  const hello = await waPost(phoneDigits, "Hello!");
  expect(hello.statusCode).toBe(200);
  const contactId = await contactOf(s, w, "whatsapp", `+${phoneDigits}`);
  if (!contactId) throw new Error("contact not created");
  await grantMarketing(s, w, contactId, ["sms", "whatsapp"]);
  const to = `+${phoneDigits}`;
  const queued = {
    waMarketing: await send(s, w, {
      to,
      channel: "whatsapp",
      channelAccountId: w.senders.whatsapp.id,
      category: "marketing",
    }),
    smsMarketing: await send(s, w, {
      to,
      channel: "sms",
      channelAccountId: w.senders.twilio.id,
      category: "marketing",
    }),
    smsTransactional: await send(s, w, {
      to,
      channel: "sms",
      channelAccountId: w.senders.twilio.id,
      category: "transactional",
    }),
    waTransactional: await send(s, w, {
      to,
      channel: "whatsapp",
      channelAccountId: w.senders.whatsapp.id,
      category: "transactional",
    }),
  };
  for (const m of Object.values(queued)) expect(m.status).toBe("queued");
  expect(new Set(Object.values(queued).map((m) => m.contactId))).toEqual(new Set([contactId]));
  return { contactId, queued, ids: Object.values(queued).map((m) => m.id) };
}

/** Registered by inbound.test.ts, which owns the server (one database for all suites). */
export function whatsappSuite(server: () => TInboundServer): void {
  describe("WhatsApp", () => {
    beforeAll(async () => {
      s = server();
      w = await s.world("Acme");
    });
    describe("WhatsApp Cloud inbound", () => {
      it("STOP opts the person out and suppresses every queued message of the brand on every channel, with one confirmation", async () => {
        const p = await personWithQueue("33612340001");
        // Another brand's message to the same person is not this brand's business.
        const other = await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, async (tx) => {
          const brand = await createBrand(tx, {
            workspaceId: w.ws.workspaceId,
            name: "Other brand",
            actor: { type: "system", id: null },
          });
          const sender = await createChannelAccount(tx, w.keys, {
            workspaceId: w.ws.workspaceId,
            actor: { type: "system", id: null },
            input: {
              brandId: brand.id,
              channel: "sms",
              providerId: "twilio",
              name: "other",
              credentials: { ...creds.twilio, from: "+15005550007" },
            },
          });
          return { brandId: brand.id, senderId: sender.account.id };
        });
        const otherMessage = await s.app.inject({
          method: "POST",
          url: "/v1/messages",
          headers: { authorization: `Bearer ${w.ws.apiKey}` },
          payload: {
            to: "+33612340001",
            channel: "sms",
            brandId: other.brandId,
            channelAccountId: other.senderId,
            category: "transactional",
            body: "Your parcel",
          },
        });
        expect(otherMessage.json().status).toBe("queued");

        const r = await waPost("33612340001", "STOP");
        expect(r.statusCode).toBe(200);
        expect(r.json()).toMatchObject({ received: 1, duplicates: 0, rejected: 0 });

        const after = await statuses(s, [...p.ids, otherMessage.json().id]);
        for (const id of p.ids) expect(after[id]).toEqual({ status: "suppressed", reason: "opted_out" });
        expect(after[otherMessage.json().id]?.status).toBe("queued");

        const entries = (await ledger(s, p.contactId)).filter((e) => e.kind === "opt_out");
        expect(entries).toHaveLength(1);
        expect(entries[0]).toMatchObject({
          brand_id: w.ws.brandId,
          scope: "all",
          method: "keyword",
          channel: "whatsapp",
        });
        const rows = await inbound(s, p.contactId);
        const stop = rows.at(-1);
        expect(stop).toMatchObject({
          intent: "opt_out",
          action: "opted_out",
          ledger_entry_id: entries[0]?.id,
        });
        expect(entries[0]?.evidence).toMatchObject({ messageId: stop?.id, matched: expect.any(String) });
        // Stored sealed, never as plain text.
        expect(stop?.body_sealed).toMatch(/^v\d+\./);
        expect(stop?.body_sealed).not.toContain("STOP");
        // The suppressed messages carry the opt-out's ledger entry as their evidence.
        const evidence = await s.database.query<{ decision_ledger_ids: string[] }>(
          "select decision_ledger_ids from messages where id = any($1::text[])",
          [p.ids],
        );
        for (const e of evidence) expect(e.decision_ledger_ids).toEqual([entries[0]?.id]);

        const sent = await replies(s, w, p.contactId);
        expect(sent).toHaveLength(1);
        expect(sent[0]).toMatchObject({
          kind: "opt_out_confirmation",
          inReplyTo: stop?.id,
          status: "queued",
          channelAccountId: w.senders.whatsapp.id,
        });
        expect(sent[0]?.body).toBe(confirmationText("opt_out", "en", "Acme brand"));
      });

      it("handles two deliveries of the same message racing each other as one", async () => {
        const m = waText("33612340020", "STOP", "wamid.raced");
        const [a, b] = await Promise.all([
          postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers),
          postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers),
        ]);
        expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
        expect(a.json().duplicates + b.json().duplicates).toBe(1);
        const contactId = (await contactOf(s, w, "whatsapp", "+33612340020")) ?? "";
        expect(await inbound(s, contactId)).toHaveLength(1);
        expect(await replies(s, w, contactId)).toHaveLength(1);
        expect((await ledger(s, contactId)).filter((e) => e.kind === "opt_out")).toHaveLength(1);
      });

      it("answers a retried webhook once: no second message, no second confirmation", async () => {
        const m = waText("33612340002", "STOP", "wamid.retried");
        const first = await postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers);
        expect(first.json()).toMatchObject({ received: 1, duplicates: 0 });
        const before = await footprint(s);
        const again = await postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers);
        expect(again.statusCode).toBe(200);
        expect(again.json()).toMatchObject({ received: 1, duplicates: 1 });
        const after = await footprint(s);
        expect(after).toEqual(before);
        const contactId = await contactOf(s, w, "whatsapp", "+33612340002");
        expect(await replies(s, w, contactId ?? "")).toHaveLength(1);
      });

      it("refuses unsigned and wrongly signed webhooks with 401 and stores nothing", async () => {
        const before = await footprint(s);
        const m = waText("33612340003", "STOP");
        const unsigned = await postWebhook(s.app, w.senders.whatsapp.id, m.body, {
          "content-type": "application/json",
        });
        expect(unsigned.statusCode).toBe(401);
        expect(unsigned.json().error).toMatchObject({
          code: "invalid_signature",
          field: "X-Hub-Signature-256",
        });
        const wrongSecret = signedMeta("not-the-app-secret", JSON.parse(m.body));
        expect(
          (await postWebhook(s.app, w.senders.whatsapp.id, wrongSecret.body, wrongSecret.headers)).statusCode,
        ).toBe(401);
        // A valid signature of other bytes (the body was altered in transit).
        const altered = m.body.replace("STOP", "STAP");
        expect((await postWebhook(s.app, w.senders.whatsapp.id, altered, m.headers)).statusCode).toBe(401);
        // Re-serialised JSON is other bytes too.
        const reserialised = JSON.stringify(JSON.parse(m.body), null, 1);
        expect((await postWebhook(s.app, w.senders.whatsapp.id, reserialised, m.headers)).statusCode).toBe(
          401,
        );
        expect(await footprint(s)).toEqual(before);
        expect(await contactOf(s, w, "whatsapp", "+33612340003")).toBeNull();
      });

      it("answers 404 for an unknown channel account and 400 for a signed body that is not a WhatsApp webhook", async () => {
        const m = waText("33612340004", "STOP");
        const unknown = await postWebhook(s.app, "chn_00000000000000000000000000", m.body, m.headers);
        expect(unknown.statusCode).toBe(404);
        const garbage = signedMeta(creds.whatsapp.appSecret, { hello: "world" });
        const bad = await postWebhook(s.app, w.senders.whatsapp.id, garbage.body, garbage.headers);
        expect(bad.statusCode).toBe(400);
        expect(bad.json().error).toMatchObject({ code: "validation_failed", field: "body" });
      });

      it("confirms in the customer's language: ARRET in French, 退订 in Chinese", async () => {
        const fr = await waPost("33612340005", "ARRET");
        expect(fr.statusCode).toBe(200);
        const frContact = await contactOf(s, w, "whatsapp", "+33612340005");
        const frReplies = await replies(s, w, frContact ?? "");
        expect(frReplies).toHaveLength(1);
        expect(frReplies[0]?.body).toBe(confirmationText("opt_out", "fr", "Acme brand"));

        const zh = await waPost("8613800138000", "退订");
        expect(zh.statusCode).toBe(200);
        const zhContact = await contactOf(s, w, "whatsapp", "+8613800138000");
        const zhRows = await inbound(s, zhContact ?? "");
        expect(zhRows[0]).toMatchObject({ action: "opted_out", intent_language: "zh" });
        const zhReplies = await replies(s, w, zhContact ?? "");
        expect(zhReplies).toHaveLength(1);
        expect(zhReplies[0]?.body).toBe(confirmationText("opt_out", "zh", "Acme brand"));
        expect(zhReplies[0]?.body).not.toBe(confirmationText("opt_out", "en", "Acme brand"));
      });

      it("does nothing for a message that merely contains stop", async () => {
        const p = await personWithQueue("33612340006");
        const r = await waPost("33612340006", "stop by the store tomorrow");
        expect(r.statusCode).toBe(200);
        const after = await statuses(s, p.ids);
        for (const id of p.ids) expect(after[id]?.status).toBe("queued");
        expect((await ledger(s, p.contactId)).filter((e) => e.kind === "opt_out")).toHaveLength(0);
        expect(await replies(s, w, p.contactId)).toHaveLength(0);
        expect((await inbound(s, p.contactId)).at(-1)).toMatchObject({ intent: "none", action: "none" });
      });

      it("a marketing-only opt-out suppresses only queued marketing", async () => {
        const p = await personWithQueue("33612340007");
        const r = await waPost("33612340007", "no more promos but keep order updates");
        expect(r.statusCode).toBe(200);
        const after = await statuses(s, p.ids);
        expect(after[p.queued.waMarketing.id]).toEqual({
          status: "suppressed",
          reason: "opted_out_marketing",
        });
        expect(after[p.queued.smsMarketing.id]).toEqual({
          status: "suppressed",
          reason: "opted_out_marketing",
        });
        expect(after[p.queued.smsTransactional.id]?.status).toBe("queued");
        expect(after[p.queued.waTransactional.id]?.status).toBe("queued");
        const entries = (await ledger(s, p.contactId)).filter((e) => e.kind === "opt_out");
        expect(entries).toHaveLength(1);
        expect(entries[0]).toMatchObject({ scope: "marketing", method: "natural_language" });
        const sent = await replies(s, w, p.contactId);
        expect(sent).toHaveLength(1);
        expect(sent[0]?.body).toBe(confirmationText("opt_out_marketing", "en", "Acme brand"));
      });

      it("START re-subscribes only after an opt-out, with one confirmation; START alone changes nothing", async () => {
        await waPost("33612340008", "STOP");
        const contactId = (await contactOf(s, w, "whatsapp", "+33612340008")) ?? "";
        const start = await waPost("33612340008", "START");
        expect(start.statusCode).toBe(200);
        expect((await inbound(s, contactId)).at(-1)).toMatchObject({ intent: "opt_in", action: "opted_in" });
        expect((await ledger(s, contactId)).map((e) => e.kind)).toEqual(["opt_out", "opt_in"]);
        const sent = await replies(s, w, contactId);
        expect(sent.map((r) => r.kind)).toEqual(["opt_out_confirmation", "opt_in_confirmation"]);
        expect(sent[1]?.body).toBe(confirmationText("opt_in", "en", "Acme brand"));

        await waPost("33612340009", "START");
        const fresh = (await contactOf(s, w, "whatsapp", "+33612340009")) ?? "";
        expect((await inbound(s, fresh)).at(-1)).toMatchObject({ intent: "opt_in", action: "opt_in_noop" });
        expect(await ledger(s, fresh)).toHaveLength(0);
        expect(await replies(s, w, fresh)).toHaveLength(0);
      });

      it("HELP gets the help text", async () => {
        await waPost("33612340010", "HELP");
        const contactId = (await contactOf(s, w, "whatsapp", "+33612340010")) ?? "";
        const sent = await replies(s, w, contactId);
        expect(sent).toHaveLength(1);
        expect(sent[0]).toMatchObject({ kind: "help", body: confirmationText("help", "en", "Acme brand") });
        expect(await ledger(s, contactId)).toHaveLength(0);
      });

      it("a repeated STOP within the window is recorded but not confirmed twice", async () => {
        await waPost("33612340011", "STOP");
        await waPost("33612340011", "stop");
        await waPost("33612340011", "STOP!!");
        const contactId = (await contactOf(s, w, "whatsapp", "+33612340011")) ?? "";
        expect((await ledger(s, contactId)).filter((e) => e.kind === "opt_out")).toHaveLength(3);
        expect(await replies(s, w, contactId)).toHaveLength(1);
        expect((await inbound(s, contactId)).map((r) => r.action)).toEqual([
          "opted_out",
          "opted_out",
          "opted_out",
        ]);
      });

      it("user_preferences stop is a marketing opt-out without a reply; resume re-subscribes", async () => {
        const p = await personWithQueue("33612340012");
        const at = String(Math.floor(Date.now() / 1000));
        const prefs = (value: "stop" | "resume", sentAt = at) =>
          signedMeta(creds.whatsapp.appSecret, {
            object: "whatsapp_business_account",
            entry: [
              {
                id: "102290129340398",
                changes: [
                  {
                    field: "user_preferences",
                    value: {
                      messaging_product: "whatsapp",
                      metadata: {
                        display_phone_number: "15550783881",
                        phone_number_id: creds.whatsapp.phoneNumberId,
                      },
                      contacts: [{ wa_id: "33612340012", profile: { name: "Ada" } }],
                      user_preferences: [
                        {
                          wa_id: "33612340012",
                          detail: `User requested to ${value} marketing messages`,
                          category: "marketing_messages",
                          value,
                          timestamp: sentAt,
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          });
        const stop = prefs("stop");
        expect((await postWebhook(s.app, w.senders.whatsapp.id, stop.body, stop.headers)).statusCode).toBe(
          200,
        );
        const after = await statuses(s, p.ids);
        expect(after[p.queued.waMarketing.id]).toEqual({
          status: "suppressed",
          reason: "opted_out_marketing",
        });
        expect(after[p.queued.smsMarketing.id]).toEqual({
          status: "suppressed",
          reason: "opted_out_marketing",
        });
        expect(after[p.queued.waTransactional.id]?.status).toBe("queued");
        expect((await ledger(s, p.contactId)).filter((e) => e.kind === "opt_out")).toMatchObject([
          { scope: "marketing", method: "provider_preference" },
        ]);
        expect(await replies(s, w, p.contactId)).toHaveLength(0);
        // The same delivery again is a duplicate.
        const again = await postWebhook(s.app, w.senders.whatsapp.id, stop.body, stop.headers);
        expect(again.json()).toMatchObject({ duplicates: 1 });
        expect((await ledger(s, p.contactId)).filter((e) => e.kind === "opt_out")).toHaveLength(1);

        // A STOP typed later stops everything; turning the marketing switch back on must not lift it.
        const typed = signedMeta(
          creds.whatsapp.appSecret,
          buildWhatsAppTextWebhook({
            phoneNumberId: creds.whatsapp.phoneNumberId,
            from: "33612340012",
            id: "wamid.prefs-stop",
            body: "STOP",
          }),
        );
        expect((await postWebhook(s.app, w.senders.whatsapp.id, typed.body, typed.headers)).statusCode).toBe(
          200,
        );
        // Switched back on after that STOP (its second may be later than `at`: an older resume is stale).
        const resume = prefs("resume", String(Math.floor(Date.now() / 1000)));
        expect(
          (await postWebhook(s.app, w.senders.whatsapp.id, resume.body, resume.headers)).statusCode,
        ).toBe(200);
        expect((await ledger(s, p.contactId)).at(-1)).toMatchObject({
          kind: "opt_in",
          scope: "marketing",
          method: "provider_preference",
        });
        const [held] = await s.database.query<{ all: string | null; marketing: string | null }>(
          `select opt_out_all_entry_id as "all", opt_out_marketing_entry_id as marketing from consent_suppressions
            where contact_id = $1`,
          [p.contactId],
        );
        expect(held?.all).not.toBeNull();
        expect(held?.marketing).toBeNull();
      });

      it("a tapped Stop promotions button is a marketing opt-out with method button", async () => {
        const p = await personWithQueue("33612340013");
        const payload = buildWhatsAppTextWebhook({
          phoneNumberId: creds.whatsapp.phoneNumberId,
          from: "33612340013",
          id: "wamid.button1",
          body: "x",
        });
        const change = payload.entry[0]?.changes[0]?.value as unknown as {
          messages: Record<string, unknown>[];
        };
        change.messages = [
          {
            from: "33612340013",
            id: "wamid.button1",
            timestamp: String(Math.floor(Date.now() / 1000)),
            type: "button",
            button: { payload: "STOP_PROMOTIONS", text: "Stop promotions" },
            context: { from: "15550783881", id: "wamid.template1" },
          },
        ];
        const m = signedMeta(creds.whatsapp.appSecret, payload);
        expect((await postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers)).statusCode).toBe(200);
        const after = await statuses(s, p.ids);
        expect(after[p.queued.waMarketing.id]?.status).toBe("suppressed");
        expect(after[p.queued.waTransactional.id]?.status).toBe("queued");
        expect((await ledger(s, p.contactId)).filter((e) => e.kind === "opt_out")).toMatchObject([
          { scope: "marketing", method: "button" },
        ]);
      });

      it("opens the 24-hour window and keeps the profile name", async () => {
        const payload = buildWhatsAppTextWebhook({
          phoneNumberId: creds.whatsapp.phoneNumberId,
          from: "33612340014",
          id: "wamid.window",
          body: "Hi",
          profileName: "Grace",
        });
        const m = signedMeta(creds.whatsapp.appSecret, payload);
        await postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers);
        const contactId = (await contactOf(s, w, "whatsapp", "+33612340014")) ?? "";
        expect(
          await count(
            s,
            "select count(*) as n from customer_windows where contact_id = $1 and channel_account_id = $2",
            [contactId, w.senders.whatsapp.id],
          ),
        ).toBe(1);
        const named = await s.database.query<{ display_name_sealed: string | null }>(
          "select display_name_sealed from contacts where id = $1",
          [contactId],
        );
        expect(named[0]?.display_name_sealed).toMatch(/^v\d+\./);
      });

      it("tells the customer's systems: message.inbound with the body, contact.opted_out, contact.opted_in", async () => {
        await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
          createWebhookSubscription(tx, {
            workspaceId: w.ws.workspaceId,
            keys: w.keys,
            url: "https://hooks.example.com/assent",
            events: ["message.inbound", "contact.opted_out", "contact.opted_in"],
            actor: { type: "system", id: null },
          }),
        );
        invalidateWebhookSubscriptions(w.ws.workspaceId);
        const since = new Date();
        await waPost("33612340030", "STOP");
        await waPost("33612340030", "START");
        const events = await s.database.query<{ type: string; data_sealed: string }>(
          "select type, data_sealed from webhook_events where workspace_id = $1 and created_at >= $2 order by id",
          [w.ws.workspaceId, since],
        );
        expect(events.map((e) => e.type)).toEqual([
          "message.inbound",
          "contact.opted_out",
          "message.inbound",
          "contact.opted_in",
        ]);
        const data = events.map(
          (e) => JSON.parse(decryptField(w.keys, w.ws.workspaceId, e.data_sealed)) as Record<string, unknown>,
        );
        const contactId = await contactOf(s, w, "whatsapp", "+33612340030");
        expect(data[0]).toMatchObject({
          body: "STOP",
          from: "+33612340030",
          contactId,
          intent: "opt_out",
          action: "opted_out",
        });
        expect(data[1]).toMatchObject({
          contactId,
          brandId: w.ws.brandId,
          scope: "all",
          method: "keyword",
          suppressedMessages: 0,
        });
        expect(data[1]).not.toHaveProperty("body");
        expect(data[3]).toMatchObject({ contactId, resubscribed: true });
      });

      it("answers Meta's verification handshake", async () => {
        const ok = await s.app.inject({
          method: "GET",
          url: `/webhooks/${w.senders.whatsapp.id}?hub.mode=subscribe&hub.verify_token=${creds.whatsapp.verifyToken}&hub.challenge=1158201444`,
        });
        expect(ok.statusCode).toBe(200);
        expect(ok.body).toBe("1158201444");
        const wrong = await s.app.inject({
          method: "GET",
          url: `/webhooks/${w.senders.whatsapp.id}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`,
        });
        expect(wrong.statusCode).toBe(403);
        const unknown = await s.app.inject({
          method: "GET",
          url: "/webhooks/chn_nope?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1",
        });
        expect(unknown.statusCode).toBe(404);
        const twilio = await s.app.inject({
          method: "GET",
          url: `/webhooks/${w.senders.twilio.id}?hub.challenge=1`,
        });
        expect(twilio.statusCode).toBe(404);
      });

      it("routes a sibling number's events (one Meta app, one callback URL) to that number's sender", async () => {
        const sibling = await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
          createChannelAccount(tx, w.keys, {
            workspaceId: w.ws.workspaceId,
            actor: { type: "system", id: null },
            input: {
              brandId: w.ws.brandId,
              channel: "whatsapp",
              providerId: "whatsapp-cloud",
              name: "second number",
              credentials: { ...creds.whatsapp, phoneNumberId: "106540352242999" },
            },
          }),
        );
        const m = signedMeta(
          creds.whatsapp.appSecret,
          buildWhatsAppTextWebhook({
            phoneNumberId: "106540352242999",
            from: "33612340015",
            id: "wamid.sibling",
            body: "STOP",
          }),
        );
        const r = await postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers);
        expect(r.statusCode).toBe(200);
        const stored = await s.database.query<{ channel_account_id: string; action: string }>(
          "select channel_account_id, action from inbound_messages where dedupe_index = $1",
          [dedupeIndex(w, "wamid.sibling")],
        );
        expect(stored).toEqual([{ channel_account_id: sibling.account.id, action: "opted_out" }]);
        // A number no sender of ours has is ignored, not acted on under the wrong sender.
        const stray = signedMeta(
          creds.whatsapp.appSecret,
          buildWhatsAppTextWebhook({
            phoneNumberId: "999",
            from: "33612340016",
            id: "wamid.stray",
            body: "STOP",
          }),
        );
        const ignored = await postWebhook(s.app, w.senders.whatsapp.id, stray.body, stray.headers);
        expect(ignored.statusCode).toBe(200);
        expect(
          await count(s, "select count(*) as n from inbound_messages where dedupe_index = $1", [
            dedupeIndex(w, "wamid.stray"),
          ]),
        ).toBe(0);
      });
    });
  });
}
