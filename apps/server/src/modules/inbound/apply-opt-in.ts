import type { TTx } from "../../core/db/tx.js";
import { confirmDoubleOptIn, hasPendingDoubleOptIn, recordOptIn } from "../consent/index.js";
import type { TContactChannel } from "../contacts/index.js";
import { enqueueComplianceReply } from "../messaging/index.js";
import type { TEffects, TInboundContext } from "./inbound.types.js";
import { replyText } from "./reply-text.js";

export interface TOptInResult {
  resubscribed: boolean;
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
  },
): Promise<TOptInResult> {
  const { workspaceId, brandId } = c.account;
  const actor = { type: "contact", id: o.contactId } as const;
  let confirmed = 0;
  if (
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
  const optIn = await recordOptIn(tx, {
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
    doubleOptInConfirmed: confirmed,
    ledgerEntryId: optIn.ledgerEntryId,
    replyMessageId,
  };
}
