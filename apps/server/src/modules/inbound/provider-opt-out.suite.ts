import { beforeAll, describe, expect, it } from "vitest";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { buildWhatsAppStatusWebhook, buildWhatsAppTextWebhook } from "../channels/testing/index.js";
import { recordProviderOptOut } from "./record-provider-opt-out.js";
import {
  contactOf,
  creds,
  grantMarketing,
  ledger,
  postWebhook,
  send,
  signedMeta,
  signedTwilio,
  statuses,
  type TInboundServer,
  type TInboundWorld,
} from "./testing/inbound-fixture.js";

let s: TInboundServer;
let w: TInboundWorld;
let seq = 0;

/** A WhatsApp person (window open, marketing consent) with a marketing and a transactional message queued on each channel. */
async function person(digits: string) {
  const hello = signedMeta(
    creds.whatsapp.appSecret,
    buildWhatsAppTextWebhook({
      phoneNumberId: creds.whatsapp.phoneNumberId,
      from: digits,
      id: `wamid.pvd${++seq}`,
      body: "Hello!",
    }),
  );
  expect((await postWebhook(s.app, w.senders.whatsapp.id, hello.body, hello.headers)).statusCode).toBe(200);
  const contactId = await contactOf(s, w, "whatsapp", `+${digits}`);
  if (!contactId) throw new Error("contact not created");
  await grantMarketing(s, w, contactId, ["sms", "whatsapp"]);
  const to = `+${digits}`;
  const wa = (category: "marketing" | "transactional") =>
    send(s, w, { to, channel: "whatsapp", channelAccountId: w.senders.whatsapp.id, category });
  const sms = (category: "marketing" | "transactional") =>
    send(s, w, { to, channel: "sms", channelAccountId: w.senders.twilio.id, category });
  return {
    contactId,
    waMarketing: await wa("marketing"),
    waMarketing2: await wa("marketing"),
    waTransactional: await wa("transactional"),
    smsMarketing: await sms("marketing"),
    smsTransactional: await sms("transactional"),
  };
}

/**
 * What the dispatcher does when a send is accepted: the message is `sent` with the provider's id, which
 * status webhooks find through message_provider_ids.
 */
async function markSent(messageId: string, providerMessageId: string) {
  await s.database.query(
    "update messages set status = 'sent', due_at = null, provider_message_id = $2 where id = $1",
    [messageId, providerMessageId],
  );
  await s.database.query(
    `insert into message_provider_ids (channel_account_id, provider_message_id, message_id, workspace_id)
      select channel_account_id, provider_message_id, id, workspace_id from messages where id = $1`,
    [messageId],
  );
}

async function waStatus(id: string, recipientId: string, errorCode: number) {
  const m = signedMeta(
    creds.whatsapp.appSecret,
    buildWhatsAppStatusWebhook({
      phoneNumberId: creds.whatsapp.phoneNumberId,
      id,
      status: "failed",
      recipientId,
      errorCode,
    }),
  );
  const r = await postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers);
  expect(r.statusCode).toBe(200);
}

async function twilioStatus(sid: string, to: string, errorCode: string, status = "undelivered") {
  const m = signedTwilio(w.senders.twilio.id, {
    MessageSid: sid,
    MessageStatus: status,
    ErrorCode: errorCode,
    To: to,
    From: creds.twilio.from,
    AccountSid: creds.twilio.accountSid,
    ApiVersion: "2010-04-01",
  });
  const r = await postWebhook(s.app, w.senders.twilio.id, m.body, m.headers);
  expect(r.statusCode).toBe(200);
}

/** Registered by inbound.test.ts, which owns the server (one database for all suites). */
export function providerOptOutSuite(server: () => TInboundServer): void {
  describe("provider-side opt-outs (WhatsApp 131050, Twilio 21610)", () => {
    beforeAll(async () => {
      s = server();
      w = await s.world("Provider opt-outs");
    });

    it("a WhatsApp 131050 failure records a marketing opt-out with the provider evidence, once", async () => {
      const p = await person("33612360001");
      await markSent(p.waMarketing.id, "wamid.pvd-131050");
      const before = (await ledger(s, p.contactId)).length;
      await waStatus("wamid.pvd-131050", "33612360001", 131050);
      const entries = await ledger(s, p.contactId);
      expect(entries).toHaveLength(before + 1);
      expect(entries.at(-1)).toMatchObject({
        brand_id: w.ws.brandId,
        kind: "opt_out",
        scope: "marketing",
        method: "provider_preference",
        channel: "whatsapp",
        evidence: { messageId: p.waMarketing.id, matched: "whatsapp-cloud:131050" },
      });
      const after = await statuses(s, [
        p.waMarketing.id,
        p.waMarketing2.id,
        p.smsMarketing.id,
        p.waTransactional.id,
        p.smsTransactional.id,
      ]);
      expect(after[p.waMarketing.id]).toMatchObject({ status: "failed" });
      expect(after[p.waMarketing2.id]).toEqual({ status: "suppressed", reason: "opted_out_marketing" });
      expect(after[p.smsMarketing.id]).toEqual({ status: "suppressed", reason: "opted_out_marketing" });
      expect(after[p.waTransactional.id]?.status).toBe("queued");
      expect(after[p.smsTransactional.id]?.status).toBe("queued");
      // Meta retries the webhook: nothing more is recorded.
      await waStatus("wamid.pvd-131050", "33612360001", 131050);
      expect(await ledger(s, p.contactId)).toHaveLength(before + 1);
    });

    it("a Twilio 21610 status callback records a full opt-out, even before the send result is stored", async () => {
      const p = await person("33612360002");
      const before = (await ledger(s, p.contactId)).length;
      // The message's provider id is not stored yet (orphan status): the recipient names the contact.
      await twilioStatus(`SM${"f".repeat(32)}`, "+33612360002", "21610");
      const entries = await ledger(s, p.contactId);
      expect(entries).toHaveLength(before + 1);
      expect(entries.at(-1)).toMatchObject({
        kind: "opt_out",
        scope: "all",
        method: "provider_preference",
        channel: "sms",
        evidence: { matched: "twilio:21610" },
      });
      const after = await statuses(s, [p.waMarketing.id, p.waTransactional.id, p.smsTransactional.id]);
      for (const m of Object.values(after)) expect(m).toEqual({ status: "suppressed", reason: "opted_out" });
      await twilioStatus(`SM${"f".repeat(32)}`, "+33612360002", "21610");
      expect(await ledger(s, p.contactId)).toHaveLength(before + 1);
    });

    it("a Twilio 21610 callback for a known message names its contact and message", async () => {
      const p = await person("33612360003");
      const sid = `SM${"e".repeat(32)}`;
      await markSent(p.smsMarketing.id, sid);
      await twilioStatus(sid, "+33612360003", "21610", "failed");
      expect((await ledger(s, p.contactId)).at(-1)).toMatchObject({
        kind: "opt_out",
        scope: "all",
        evidence: { messageId: p.smsMarketing.id, matched: "twilio:21610" },
      });
      expect((await statuses(s, [p.smsMarketing.id]))[p.smsMarketing.id]?.status).toBe("failed");
    });

    it("an undelivered callback marks a sent message undelivered, with the provider's error in its timeline", async () => {
      const p = await person("33612360006");
      const sid = `SM${"c".repeat(32)}`;
      await markSent(p.smsMarketing.id, sid);
      await twilioStatus(sid, "+33612360006", "30003");
      expect((await statuses(s, [p.smsMarketing.id]))[p.smsMarketing.id]?.status).toBe("undelivered");
      const r = await s.app.inject({
        method: "GET",
        url: `/v1/messages/${p.smsMarketing.id}`,
        headers: { authorization: `Bearer ${w.ws.apiKey}` },
      });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ id: p.smsMarketing.id, status: "undelivered" });
      expect(r.json().timeline).toContainEqual(
        expect.objectContaining({ type: "undelivered", errorCode: "30003" }),
      );
      // 30003 (unreachable handset) is not an opt-out: the ledger is untouched.
      expect((await ledger(s, p.contactId)).some((e: { kind: string }) => e.kind === "opt_out")).toBe(false);
    });

    it("other failure codes, and an opt-out code of another provider, record nothing", async () => {
      const p = await person("33612360004");
      const before = (await ledger(s, p.contactId)).length;
      await markSent(p.waMarketing.id, "wamid.pvd-other");
      await waStatus("wamid.pvd-other", "33612360004", 131026);
      await twilioStatus(`SM${"d".repeat(32)}`, "+33612360004", "30003");
      // 21610 is Twilio's code: on a WhatsApp Cloud sender it means nothing.
      await waStatus("wamid.pvd-other", "33612360004", 21610);
      expect(await ledger(s, p.contactId)).toHaveLength(before);
      expect((await statuses(s, [p.waMarketing2.id]))[p.waMarketing2.id]?.status).toBe("queued");
    });

    it("the operation messaging calls for a refused send (synchronous 21610) records the opt-out once", async () => {
      const p = await person("33612360005");
      const before = (await ledger(s, p.contactId)).length;
      const call = () =>
        withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
          recordProviderOptOut(tx, {
            workspaceId: w.ws.workspaceId,
            channelAccountId: w.senders.twilio.id,
            errorCode: "21610",
            messageId: p.smsMarketing.id,
            at: new Date(),
          }),
        );
      expect(await call()).toMatchObject({ duplicate: false, scope: "all", contactId: p.contactId });
      expect(await call()).toMatchObject({ duplicate: true, ledgerEntryId: null });
      const entries = await ledger(s, p.contactId);
      expect(entries).toHaveLength(before + 1);
      expect(entries.at(-1)).toMatchObject({
        kind: "opt_out",
        scope: "all",
        method: "provider_preference",
        evidence: { messageId: p.smsMarketing.id, matched: "twilio:21610" },
      });
      const none = await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
        recordProviderOptOut(tx, {
          workspaceId: w.ws.workspaceId,
          channelAccountId: w.senders.twilio.id,
          errorCode: "30007",
          messageId: p.smsTransactional.id,
          at: new Date(),
        }),
      );
      expect(none).toBeNull();
    });
  });
}
