import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { confirmDoubleOptIn, hasPendingDoubleOptIn, lockConsentHead, recordOptIn } from "../consent/index.js";
import type { TContactChannel } from "../contacts/index.js";
import { enqueueComplianceReply } from "../messaging/index.js";
import type { TEffects, TInboundContext } from "./inbound.types.js";
import { replyText } from "./reply-text.js";

export interface TOptInResult {
  resubscribed: boolean;
  /** Older, by the provider's clock, than a consent signal already recorded: it lifted nothing. */
  stale: boolean;
  doubleOptInConfirmed: number;
  ledgerEntryId: string | null;
  replyMessageId: string | null;
}

/**
 * START / UNSTOP / YES: confirms the contact's pending double-opt-in grants for the brand, then
 * re-subscribes only if the contact opted out before (recordOptIn decides). One confirmation reply, and
 * only when something changed.
 */
export async function applyOptIn(
  tx: TTx,
  c: TInboundContext,
  o: {
    contactId: string;
    channel: TContactChannel;
    evidence: {
      method: "keyword" | "natural_language" | "provider_preference" | "button";
      messageId?: string | undefined;
      confidence?: number | undefined;
      matched?: string | undefined;
      language?: string | undefined;
    };
    /** Also confirm pending double opt-in (a typed YES; not a provider preference toggle). */
    confirmDoubleOptIn: boolean;
    /** The opt-out it lifts; absent: the one a START answers (recordOptIn). */
    scope?: "all" | "marketing" | undefined;
    reply: { inReplyTo: string; language: string } | null;
    effects: TEffects;
    at: Date;
    /** When the person sent it, by the provider's clock: stale when an opt-out sent later is recorded. */
    signalAt?: Date | undefined;
  },
): Promise<TOptInResult> {
  const { workspaceId, brandId } = c.account;
  const actor = { type: "contact", id: o.contactId } as const;
  let confirmed = 0;
  // Older than the newest consent signal recorded: it confirms nothing and lifts nothing.
  const stale = o.signalAt !== undefined && !(await newestSignal(tx, c, o.contactId, o.signalAt));
  if (
    !stale &&
    o.confirmDoubleOptIn &&
    (await hasPendingDoubleOptIn(tx, { workspaceId, brandId, contactId: o.contactId, at: o.at }))
  ) {
    const done = await confirmDoubleOptIn(tx, {
      workspaceId,
      brandId,
      contactId: o.contactId,
      channel: o.channel,
      actor,
      at: o.at,
      ...(o.evidence.messageId ? { messageId: o.evidence.messageId } : {}),
    });
    confirmed = done.confirmed;
  }
  const evidence = Object.fromEntries(
    Object.entries(o.evidence).filter(([, v]) => v !== undefined),
  ) as typeof o.evidence;
  const optIn = stale
    ? { ledgerEntryId: null, resubscribed: false }
    : await recordOptIn(tx, {
        workspaceId,
        brandId,
        contactId: o.contactId,
        channel: o.channel,
        scope: o.scope,
        evidence,
        actor,
        at: o.at,
        ...(c.requestId ? { requestId: c.requestId } : {}),
      });
  let replyMessageId: string | null = null;
  if (o.reply && (optIn.resubscribed || confirmed > 0)) {
    const brand = await c.brand(tx);
    const reply = await enqueueComplianceReply(tx, c.keys, {
      workspaceId,
      brandId,
      contactId: o.contactId,
      channelAccountId: c.account.id,
      channel: c.account.channel,
      body: replyText({
        settings: brand.settings,
        kind: "opt_in",
        language: o.reply.language,
        brandName: brand.brandName,
      }),
      kind: "opt_in_confirmation",
      inReplyTo: o.reply.inReplyTo,
      at: o.at,
    });
    replyMessageId = reply.messageId;
  }
  if (optIn.resubscribed || confirmed > 0) {
    o.effects.webhooks.push({
      workspaceId,
      type: "contact.opted_in",
      at: o.at,
      data: {
        contactId: o.contactId,
        brandId,
        channel: o.channel,
        method: o.evidence.method,
        ledgerEntryId: optIn.ledgerEntryId,
        resubscribed: optIn.resubscribed,
        doubleOptInConfirmed: confirmed,
        inboundMessageId: o.evidence.messageId ?? null,
        at: o.at.toISOString(),
      },
    });
  }
  return {
    resubscribed: optIn.resubscribed,
    stale,
    doubleOptInConfirmed: confirmed,
    ledgerEntryId: optIn.ledgerEntryId,
    replyMessageId,
  };
}

/**
 * Whether a signal sent at `signalAt` is not older than any consent signal of this contact to the brand
 * recorded so far (then it becomes the newest). Meta does not deliver in order and retries late: a
 * "resume" or START sent before a STOP, arriving after it, must not undo it. The consent head is taken
 * first, as an opt-out takes it, so the two never interleave.
 */
async function newestSignal(
  tx: TTx,
  c: TInboundContext,
  contactId: string,
  signalAt: Date,
): Promise<boolean> {
  const { workspaceId, brandId } = c.account;
  await lockConsentHead(tx, { workspaceId, contactId });
  const found = await rows<{ fresh: boolean }>(
    tx,
    sql`with prev as (
          select last_signal_at as last from inbound_contact_state
          where workspace_id = ${workspaceId} and brand_id = ${brandId} and contact_id = ${contactId} for update
        ), verdict as (
          select (select last from prev) is null or (select last from prev) <= ${signalAt}::timestamptz as fresh
        ), up as (
          insert into inbound_contact_state (workspace_id, brand_id, contact_id, last_signal_at, updated_at)
          select ${workspaceId}, ${brandId}, ${contactId}, ${signalAt}::timestamptz, ${c.clock()}::timestamptz
          from verdict v where v.fresh
          on conflict (workspace_id, brand_id, contact_id) do update set
            last_signal_at = excluded.last_signal_at, updated_at = excluded.updated_at
          returning 1
        )
        select v.fresh from verdict v left join (select count(*) as n from up) u on true`,
  );
  return found[0]?.fresh === true;
}
