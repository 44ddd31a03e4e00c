import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { recordOptOut } from "../consent/index.js";
import type { TContactChannel } from "../contacts/index.js";
import { enqueueComplianceReply } from "../messaging/index.js";
import type { TEffects, TInboundContext } from "./inbound.types.js";
import { optOutWebhookEvents } from "./opt-out-webhook-events.js";
import { replyText } from "./reply-text.js";
import { suppressOptedOut } from "./suppress-opted-out.js";

/**
 * A repeated opt-out from the same contact to the same brand gets no second confirmation within this
 * window (one reply per revocation request, 47 CFR 64.1200(a)(12); no reply storms for STOP STOP STOP).
 */
export const OPT_OUT_REPLY_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface TOptOutEvidence {
  method: "keyword" | "natural_language" | "provider_preference" | "button";
  messageId?: string | undefined;
  confidence?: number | undefined;
  matched?: string | undefined;
  language?: string | undefined;
}

export interface TOptOutResult {
  ledgerEntryId: string;
  alreadyOptedOut: boolean;
  suppressed: number;
  replyMessageId: string | null;
}

/**
 * Opt a contact out of the brand (scope all, or marketing only) inside the caller's transaction: the
 * ledger entry, the suppression of every queued and scheduled message of the brand to the contact on
 * every channel, the end of any open clarifying question, and at most one confirmation reply. Contacts
 * linked to it as the same person get the opt-out too (recordOptOut), and their queues are suppressed;
 * `contact.opted_out` is queued in `effects` for the contact (unless it was opted out already) and for
 * each copy (with `carriedFrom`).
 */
export async function applyOptOut(
  tx: TTx,
  c: TInboundContext,
  o: {
    contactId: string;
    channel: TContactChannel;
    scope: "all" | "marketing";
    evidence: TOptOutEvidence;
    /** null: no confirmation (the provider already sent one, or nothing asked for it). */
    reply: { inReplyTo: string; language: string } | null;
    effects: TEffects;
    at: Date;
    /** When the person sent it, by the provider's clock: later opt-ins older than it are stale. */
    signalAt?: Date | undefined;
  },
): Promise<TOptOutResult> {
  const { workspaceId, brandId } = c.account;
  const evidence = Object.fromEntries(
    Object.entries(o.evidence).filter(([, v]) => v !== undefined),
  ) as TOptOutEvidence;
  const ledger = await recordOptOut(tx, {
    workspaceId,
    brandId,
    contactId: o.contactId,
    scope: o.scope,
    channel: o.channel,
    evidence,
    actor: { type: "contact", id: o.contactId },
    at: o.at,
    ...(c.requestId ? { requestId: c.requestId } : {}),
  });
  // Its queue, and the queues of the contacts it was carried to (linked to it as the same person).
  const { suppressed, carried } = await suppressOptedOut(tx, {
    workspaceId,
    brandId,
    contactId: o.contactId,
    scope: o.scope,
    ledger,
    at: o.at,
  });
  const replyAllowed = await closeQuestionAndClaimReply(tx, {
    workspaceId,
    brandId,
    contactId: o.contactId,
    at: o.at,
    wantReply: o.reply !== null,
    signalAt: o.signalAt ?? null,
  });
  let replyMessageId: string | null = null;
  if (o.reply && replyAllowed) {
    const brand = await c.brand(tx);
    const body = replyText({
      settings: brand.settings,
      kind: o.scope === "all" ? "opt_out" : "opt_out_marketing",
      language: o.reply.language,
      brandName: brand.brandName,
    });
    const reply = await enqueueComplianceReply(tx, c.keys, {
      workspaceId,
      brandId,
      contactId: o.contactId,
      channelAccountId: c.account.id,
      channel: c.account.channel,
      body,
      kind: "opt_out_confirmation",
      inReplyTo: o.reply.inReplyTo,
      at: o.at,
    });
    replyMessageId = reply.messageId;
  }
  // The contact's event (unless it was opted out already), and one per copy carried to a linked contact.
  o.effects.webhooks.push(
    ...optOutWebhookEvents({
      workspaceId,
      brandId,
      contactId: o.contactId,
      scope: o.scope,
      channel: o.channel,
      method: evidence.method,
      ledgerEntryId: ledger.ledgerEntryId,
      alreadyOptedOut: ledger.alreadyOptedOut,
      inboundMessageId: evidence.messageId ?? null,
      suppressed,
      carried,
      at: o.at,
    }),
  );
  return {
    ledgerEntryId: ledger.ledgerEntryId,
    alreadyOptedOut: ledger.alreadyOptedOut,
    suppressed,
    replyMessageId,
  };
}

/**
 * Closes an open clarifying question and claims the confirmation slot of the window. The caller holds
 * the contact's consent head lock (recordOptOut), so concurrent opt-outs of one contact run one by one.
 */
async function closeQuestionAndClaimReply(
  tx: TTx,
  o: {
    workspaceId: string;
    brandId: string;
    contactId: string;
    at: Date;
    wantReply: boolean;
    signalAt: Date | null;
  },
): Promise<boolean> {
  const since = new Date(o.at.getTime() - OPT_OUT_REPLY_WINDOW_MS);
  const claimed = await rows<{ claim: boolean }>(
    tx,
    sql`with prev as (
          select last_opt_out_reply_at as last from inbound_contact_state
          where workspace_id = ${o.workspaceId} and brand_id = ${o.brandId} and contact_id = ${o.contactId} for update
        ), decision as (
          select ${o.wantReply}::boolean and ((select last from prev) is null or (select last from prev) <= ${since}::timestamptz) as claim
        ), up as (
          insert into inbound_contact_state (workspace_id, brand_id, contact_id, last_opt_out_reply_at, last_signal_at, updated_at)
          select ${o.workspaceId}, ${o.brandId}, ${o.contactId},
            case when d.claim then ${o.at}::timestamptz else (select last from prev) end, ${o.signalAt}::timestamptz,
            ${o.at}::timestamptz
          from decision d
          on conflict (workspace_id, brand_id, contact_id) do update set
            clarify_inbound_id = null, clarify_scope = null, clarify_channel = null, clarify_asked_at = null,
            clarify_expires_at = null, last_opt_out_reply_at = excluded.last_opt_out_reply_at,
            last_signal_at = greatest(inbound_contact_state.last_signal_at, excluded.last_signal_at),
            updated_at = excluded.updated_at
          returning 1
        )
        select d.claim from decision d, up`,
  );
  return claimed[0]?.claim === true;
}
