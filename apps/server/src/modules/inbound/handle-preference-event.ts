import { sql } from "drizzle-orm";
import { recordAudit } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { blindIndex } from "../../core/keyring.js";
import type { TNormalizedEvent } from "../channels/index.js";
import { resolveContactByAddress } from "../contacts/index.js";
import { emitWebhookEvents } from "../webhooks/index.js";
import { applyOptIn } from "./apply-opt-in.js";
import { applyOptOut } from "./apply-opt-out.js";
import type { TEffects, TInboundContext, TInboundOutcome } from "./inbound.types.js";
import { linkWhatsAppNames } from "./link-whatsapp-names.js";
import { lockWhatsAppNames } from "./lock-whatsapp-names.js";

type TPreferenceEvent = Extract<TNormalizedEvent, { kind: "preference" }>;

/**
 * A provider-side marketing preference (WhatsApp "Offers and announcements": user_preferences
 * stop/resume): a marketing opt-out or an opt-in, evidence method provider_preference. The person used
 * a switch, not a message, so nothing is replied. De-duplicated on the adapter's key (blind-indexed).
 * Named by number and BSUID (`wa_id` + `user_id`), it links them as an inbound message does: the
 * number's contact keeps the BSUID, or the contact holding it shares opt-outs with it (a stop reaches
 * both; a resume lifts the number's contact's and is not undone by the other's copy: carryOptOuts).
 */
export async function handlePreferenceEvent(
  tx: TTx,
  c: TInboundContext,
  event: TPreferenceEvent,
): Promise<TInboundOutcome> {
  const { workspaceId } = c.account;
  const at = c.clock();
  const fresh = await rows<{ kind: string }>(
    tx,
    sql`insert into inbound_event_receipts (workspace_id, channel_account_id, dedupe_index, kind, received_at)
        values (${workspaceId}, ${c.account.id}, ${blindIndex(c.keys, "inbound_event", event.dedupeKey)}, 'preference', ${at})
        on conflict do nothing returning kind`,
  );
  if (fresh.length === 0) return { kind: "preference", duplicate: true, contactId: null, action: null };
  // WhatsApp names the person by number and BSUID: both address locks first, together, in the one order.
  const userId =
    c.account.channel === "whatsapp" && event.fromUserId !== undefined && event.fromUserId !== event.from
      ? event.fromUserId
      : undefined;
  if (userId !== undefined) await lockWhatsAppNames(tx, c, { phone: event.from, userId, lock: true });
  const contact = await resolveContactByAddress(tx, c.keys, {
    workspaceId,
    channel: c.account.channel,
    address: event.from,
    create: true,
    field: "from",
    actor: c.actor,
    ...(c.requestId ? { requestId: c.requestId } : {}),
  });
  if (!contact) throw new Error("contact resolution with create returned nothing");
  // The BSUID kept on the number's contact, or, held by another contact, the two one person to consent:
  // opt-outs either holds are carried now, and the stop recorded below reaches both through the stored link.
  if (userId !== undefined) await linkWhatsAppNames(tx, c, { phone: event.from, userId });
  const effects: TEffects = { webhooks: [], audits: [] };
  const evidence = { method: "provider_preference" as const };
  let action: "opted_out_marketing" | "opted_in" | "opt_in_noop";
  let stale = false;
  if (event.value === "stop") {
    await applyOptOut(tx, c, {
      contactId: contact.contactId,
      channel: c.account.channel,
      scope: "marketing",
      evidence,
      reply: null,
      effects,
      at,
      signalAt: event.at,
    });
    action = "opted_out_marketing";
  } else {
    // The switch turned back on is the marketing one: it lifts the marketing opt-out, never a STOP.
    const done = await applyOptIn(tx, c, {
      contactId: contact.contactId,
      channel: c.account.channel,
      evidence,
      scope: "marketing",
      confirmDoubleOptIn: false,
      reply: null,
      effects,
      at,
      signalAt: event.at,
    });
    action = done.resubscribed ? "opted_in" : "opt_in_noop";
    stale = done.stale;
  }
  effects.audits.push({
    workspaceId,
    actor: c.actor,
    action: "inbound.preference_received",
    targetType: "contact",
    targetId: contact.contactId,
    requestId: c.requestId,
    at,
    details: { channel: c.account.channel, value: event.value, action, ...(stale ? { stale: true } : {}) },
  });
  await emitWebhookEvents(tx, effects.webhooks);
  await recordAudit(tx, effects.audits);
  return { kind: "preference", duplicate: false, contactId: contact.contactId, action };
}
