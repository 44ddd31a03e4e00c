import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { decide, recordConsent, type TDecision } from "../consent/index.js";
import { resolveContactByAddress, type TContactChannel } from "../contacts/index.js";
import {
  createInboundServer,
  inbound,
  postWebhook,
  replies,
  send,
  signedTwilio,
  type TInboundServer,
  type TInboundWorld,
  twilioInbound,
} from "./testing/inbound-fixture.js";

/**
 * Double opt-in confirmed by a reply (issue 3): a pending grant becomes active when the contact answers YES
 * on a channel it covers within its window, through a signed provider webhook, and the ledger keeps the
 * confirmation with the inbound message as its evidence. A YES after the window, or on a channel the grant
 * does not cover, confirms nothing.
 */
let s: TInboundServer;
let w: TInboundWorld;
beforeAll(async () => {
  s = await createInboundServer();
  w = await s.world("Acme");
});
afterAll(async () => s?.close());

const HOUR = 3_600_000;

async function contactFor(phone: string): Promise<string> {
  const found = await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
    resolveContactByAddress(tx, w.keys, {
      workspaceId: w.ws.workspaceId,
      channel: "sms",
      address: phone,
      create: true,
    }),
  );
  if (!found) throw new Error("no contact");
  return found.contactId;
}

/** A marketing grant pending double opt-in, recorded `ago` ms before now. */
function pendingGrant(
  contactId: string,
  o: { windowHours: number; ago?: number; channels?: TContactChannel[] },
) {
  const at = new Date(Date.now() - (o.ago ?? 0));
  return withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
    recordConsent(tx, w.keys, {
      workspaceId: w.ws.workspaceId,
      contactId,
      brandId: w.ws.brandId,
      category: "marketing",
      channels: o.channels ?? ["sms"],
      evidence: {
        method: "web_form",
        source: "signup form",
        wording: "Yes, text me offers from Acme. Reply YES to confirm, STOP to stop.",
      },
      doubleOptIn: { windowHours: o.windowHours },
      at,
      effectiveAt: at,
      actor: { type: "api_key", id: "key_test" },
    }),
  );
}

function decideMarketing(contactId: string, channel: TContactChannel = "sms"): Promise<TDecision> {
  return withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
    decide(tx, {
      workspaceId: w.ws.workspaceId,
      contactId,
      brandId: w.ws.brandId,
      campaignId: null,
      channel,
      category: "marketing",
      at: new Date(),
    }),
  );
}

async function replyYes(phone: string): Promise<void> {
  const m = signedTwilio(w.senders.twilio.id, twilioInbound(phone, "YES"));
  const r = await postWebhook(s.app, w.senders.twilio.id, m.body, m.headers);
  expect(r.statusCode).toBe(200);
}

async function grantRow(id: string) {
  const [row] = await s.database.query<{ status: string; confirmed_entry_id: string | null }>(
    "select status, confirmed_entry_id from consent_grants where id = $1",
    [id],
  );
  return row;
}

async function confirmations(contactId: string) {
  return s.database.query<{
    id: string;
    ref_id: string | null;
    brand_id: string;
    channel: string | null;
    method: string;
    evidence: Record<string, unknown>;
    actor_type: string;
    actor_id: string | null;
  }>(
    `select id, ref_id, brand_id, channel, method, evidence, actor_type, actor_id from consent_ledger
      where contact_id = $1 and kind = 'confirm' order by seq`,
    [contactId],
  );
}

const marketing = (to: string) =>
  send(s, w, { to, channel: "sms", channelAccountId: w.senders.twilio.id, category: "marketing" });

describe("double opt-in confirmed by an inbound YES", () => {
  it("confirms the pending grant, allows marketing and records the confirmation with its evidence", async () => {
    const phone = "+33612360001";
    const contactId = await contactFor(phone);
    const grant = await pendingGrant(contactId, { windowHours: 48 });
    expect(await grantRow(grant.id)).toEqual({ status: "pending", confirmed_entry_id: null });
    expect(await decideMarketing(contactId)).toMatchObject({
      allowed: false,
      reason: "consent_pending",
      ledgerEntryIds: [grant.id],
    });
    expect(await marketing(phone)).toMatchObject({ status: "suppressed", contactId });

    await replyYes(phone);

    const [received] = await inbound(s, contactId);
    expect(received).toMatchObject({ intent: "opt_in", action: "double_opt_in_confirmed" });
    const [confirm, ...more] = await confirmations(contactId);
    expect(more).toEqual([]);
    expect(confirm).toMatchObject({
      ref_id: grant.id,
      brand_id: w.ws.brandId,
      channel: "sms",
      method: "keyword",
      evidence: { messageId: received?.id },
      actor_type: "contact",
      actor_id: contactId,
    });
    expect(await grantRow(grant.id)).toEqual({ status: "active", confirmed_entry_id: confirm?.id });
    expect(await decideMarketing(contactId)).toEqual({
      allowed: true,
      reason: "consent_granted",
      basis: "consent",
      ledgerEntryIds: [grant.id, confirm?.id],
    });
    expect(await marketing(phone)).toMatchObject({ status: "queued", contactId });
    // The contact is told once that it worked.
    expect((await replies(s, w, contactId)).map((r) => [r.kind, r.inReplyTo])).toEqual([
      ["opt_in_confirmation", received?.id],
    ]);

    // A second YES has nothing left to confirm.
    await replyYes(phone);
    expect(await confirmations(contactId)).toHaveLength(1);
    expect((await inbound(s, contactId))[1]).toMatchObject({ action: "opt_in_noop" });
  });

  it("confirms nothing once the window has lapsed", async () => {
    const phone = "+33612360002";
    const contactId = await contactFor(phone);
    // Asked 2 hours ago with a 1-hour window.
    const grant = await pendingGrant(contactId, { windowHours: 1, ago: 2 * HOUR });
    expect((await decideMarketing(contactId)).reason).toBe("consent_expired");

    await replyYes(phone);

    expect((await inbound(s, contactId))[0]).toMatchObject({ intent: "opt_in", action: "opt_in_noop" });
    expect(await confirmations(contactId)).toEqual([]);
    expect(await grantRow(grant.id)).toEqual({ status: "pending", confirmed_entry_id: null });
    expect(await decideMarketing(contactId)).toMatchObject({
      allowed: false,
      reason: "consent_expired",
      ledgerEntryIds: [grant.id],
    });
    expect(await marketing(phone)).toMatchObject({ status: "suppressed" });
    expect(await replies(s, w, contactId)).toEqual([]);
  });

  it("confirms nothing on a channel the grant does not cover, nor another contact's grant", async () => {
    const phone = "+33612360003";
    const contactId = await contactFor(phone);
    const whatsappOnly = await pendingGrant(contactId, { windowHours: 48, channels: ["whatsapp"] });
    const other = await contactFor("+33612360004");
    const othersGrant = await pendingGrant(other, { windowHours: 48 });

    await replyYes(phone);

    expect(await confirmations(contactId)).toEqual([]);
    expect(await grantRow(whatsappOnly.id)).toEqual({ status: "pending", confirmed_entry_id: null });
    expect((await decideMarketing(contactId, "whatsapp")).reason).toBe("consent_pending");
    expect(await confirmations(other)).toEqual([]);
    expect(await grantRow(othersGrant.id)).toEqual({ status: "pending", confirmed_entry_id: null });
    expect((await decideMarketing(other)).reason).toBe("consent_pending");
  });
});
