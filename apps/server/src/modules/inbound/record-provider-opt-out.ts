import { sql } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import type { TProviderId } from "../channels/index.js";
import { recordOptOut } from "../consent/index.js";
import { getChannelAccount, getMessage } from "../messaging/index.js";
import { emitWebhookEvents } from "../webhooks/index.js";
import { optOutWebhookEvents } from "./opt-out-webhook-events.js";
import { suppressOptedOut } from "./suppress-opted-out.js";

/**
 * Provider error codes that mean the person opted out on the provider's side, and the scope they mean:
 * - WhatsApp Cloud 131050: the user stopped marketing messages from the business (marketing only);
 * - Twilio 21610: the recipient unsubscribed (replied STOP to the Twilio number): everything.
 */
const providerOptOutCodes: Partial<Record<TProviderId, Record<string, "all" | "marketing">>> = {
  "whatsapp-cloud": { "131050": "marketing" },
  twilio: { "21610": "all" },
};
const anyOptOutCode = new Set(Object.values(providerOptOutCodes).flatMap((m) => Object.keys(m ?? {})));

export interface TProviderOptOutResult {
  /** A retry of an event already recorded: nothing was written. */
  duplicate: boolean;
  ledgerEntryId: string | null;
  contactId: string;
  scope: "all" | "marketing";
  alreadyOptedOut: boolean;
  suppressed: number;
}

/**
 * A provider refused or failed one of our messages because the person opted out on its side (WhatsApp
 * 131050, Twilio 21610): record that opt-out in the consent ledger (method provider_preference, evidence
 * the provider code and our message id), suppress the brand's queued and scheduled messages to the
 * contact within the scope (and those of the contacts it was carried to as the same person), emit
 * `contact.opted_out` (the contact's, and one per copy) and an audit event, in the caller's transaction.
 * Any other code (or a sender of another provider) returns null without touching the database.
 * De-duplicated per `dedupeKey` (default: the message id), so provider retries record it once.
 */
export async function recordProviderOptOut(
  tx: TTx,
  o: {
    workspaceId: string;
    channelAccountId: string;
    errorCode: string | null | undefined;
    /** Our message the provider refused or failed (its contact and brand are used when known). */
    messageId?: string | undefined;
    /** The contact, when the caller knows it and there is no message. */
    contactId?: string | undefined;
    /**
     * Key of the provider event (default: the message id); one ledger entry per key. Stored as it is: a
     * key holding a personal identifier (a wamid holds the number) is passed as a keyed hash.
     */
    dedupeKey?: string | undefined;
    /** The plain key a receipt written before migration 0353 has, until the backfill converts it. */
    legacyDedupeKey?: string | undefined;
    actor?: TActor | undefined;
    requestId?: string | undefined;
    at: Date;
  },
): Promise<TProviderOptOutResult | null> {
  const code = o.errorCode?.trim();
  if (!code || !anyOptOutCode.has(code)) return null;
  const account = await getChannelAccount(tx, {
    workspaceId: o.workspaceId,
    channelAccountId: o.channelAccountId,
  });
  const scope = account ? providerOptOutCodes[account.providerId]?.[code] : undefined;
  if (!account || !scope) return null;
  const message = o.messageId
    ? await getMessage(tx, { workspaceId: o.workspaceId, messageId: o.messageId })
    : undefined;
  const contactId = message?.message.contact_id ?? o.contactId;
  if (!contactId) return null;
  const brandId = message?.message.brand_id ?? account.brandId;
  const key = o.dedupeKey ?? o.messageId;
  if (key !== undefined && !(await receiveOnce(tx, o, `provider_opt_out:${key}`)))
    return { duplicate: true, ledgerEntryId: null, contactId, scope, alreadyOptedOut: true, suppressed: 0 };
  const matched = `${account.providerId}:${code}`;
  const actor = o.actor ?? { type: "provider" as const, id: account.providerId };
  const ledger = await recordOptOut(tx, {
    workspaceId: o.workspaceId,
    brandId,
    contactId,
    scope,
    channel: account.channel,
    evidence: { method: "provider_preference", matched, ...(o.messageId ? { messageId: o.messageId } : {}) },
    source: `provider error ${matched}`,
    actor,
    at: o.at,
    ...(o.requestId ? { requestId: o.requestId } : {}),
  });
  // Its queue, and the queues of the contacts it was carried to (linked to it as the same person).
  const { suppressed, carried } = await suppressOptedOut(tx, {
    workspaceId: o.workspaceId,
    brandId,
    contactId,
    scope,
    ledger,
    at: o.at,
  });
  // The contact's event (unless it was opted out already), and one per copy carried to a linked contact.
  await emitWebhookEvents(
    tx,
    optOutWebhookEvents({
      workspaceId: o.workspaceId,
      brandId,
      contactId,
      scope,
      channel: account.channel,
      method: "provider_preference",
      details: { providerError: matched },
      messageDetails: { messageId: o.messageId ?? null },
      ledgerEntryId: ledger.ledgerEntryId,
      alreadyOptedOut: ledger.alreadyOptedOut,
      inboundMessageId: null,
      suppressed,
      carried,
      at: o.at,
    }),
  );
  await recordAudit(tx, [
    {
      workspaceId: o.workspaceId,
      actor,
      action: "inbound.provider_opt_out",
      targetType: "contact",
      targetId: contactId,
      requestId: o.requestId,
      at: o.at,
      details: {
        brandId,
        channelAccountId: o.channelAccountId,
        scope,
        providerError: matched,
        messageId: o.messageId ?? null,
        suppressed,
      },
    },
  ]);
  return {
    duplicate: false,
    ledgerEntryId: ledger.ledgerEntryId,
    contactId,
    scope,
    alreadyOptedOut: ledger.alreadyOptedOut,
    suppressed,
  };
}

/**
 * Records the receipt once: false when this key was recorded already, or its plain form before migration
 * 0353 (a receipt the backfill has not converted yet).
 */
async function receiveOnce(
  tx: TTx,
  o: { workspaceId: string; channelAccountId: string; legacyDedupeKey?: string | undefined; at: Date },
  index: string,
): Promise<boolean> {
  if (o.legacyDedupeKey !== undefined) {
    const legacy = await rows<{ kind: string }>(
      tx,
      sql`select kind from inbound_event_receipts where workspace_id = ${o.workspaceId}
          and channel_account_id = ${o.channelAccountId} and dedupe_index = ${`provider_opt_out:${o.legacyDedupeKey}`}`,
    );
    if (legacy.length > 0) return false;
  }
  const fresh = await rows<{ kind: string }>(
    tx,
    sql`insert into inbound_event_receipts (workspace_id, channel_account_id, dedupe_index, kind, received_at)
        values (${o.workspaceId}, ${o.channelAccountId}, ${index}, 'provider_opt_out', ${o.at})
        on conflict do nothing returning kind`,
  );
  return fresh.length > 0;
}
