import type { TTx } from "../../core/db/tx.js";
import type { TNormalizedEvent } from "../channels/index.js";
import { resolveContactByAddress } from "../contacts/index.js";
import { applyStatusEvent } from "../messaging/index.js";
import { statusOptOutKey } from "./dedupe-indexes.js";
import type { TInboundContext, TInboundOutcome } from "./inbound.types.js";
import { linkWhatsAppNames } from "./link-whatsapp-names.js";
import { pgText } from "./pg-text.js";
import { recordProviderOptOut } from "./record-provider-opt-out.js";
import { senderAddress } from "./sender-address.js";

type TStatusEvent = Extract<TNormalizedEvent, { kind: "status" }>;

/**
 * A delivery status of one of our messages (messaging applies it). A failure whose provider code says
 * the person opted out on the provider's side (WhatsApp 131050, Twilio 21610) is also recorded as an
 * opt-out in the consent ledger; when the message is not known yet, its recipient names the contact.
 * A WhatsApp status naming the recipient by number and by BSUID links the two (linkWhatsAppNames): the
 * first message to a number whose BSUID-only contact said STOP goes (nothing told us they were one), its
 * status carries the STOP to the number's contact, and its queue and later sends are suppressed.
 * Lock order: the message row (applyStatusEvent), then both address locks together, then consent heads
 * in id order, then queued messages; the same as an inbound message after the row, which it never locks.
 */
export async function handleStatusEvent(
  tx: TTx,
  c: TInboundContext,
  event: TStatusEvent,
): Promise<TInboundOutcome> {
  const { workspaceId } = c.account;
  const applied = await applyStatusEvent(tx, {
    workspaceId,
    keys: c.keys,
    channelAccountId: c.account.id,
    providerMessageId: pgText(event.providerMessageId),
    status: event.status,
    at: event.at,
    ...(event.errorCode ? { errorCode: pgText(event.errorCode) } : {}),
    ...(event.errorMessage ? { errorMessage: pgText(event.errorMessage) } : {}),
    ...(event.clientReference?.startsWith("msg_") ? { messageId: pgText(event.clientReference) } : {}),
  });
  const recipient = event.recipient === undefined ? undefined : senderAddress(pgText(event.recipient));
  if (
    c.account.channel === "whatsapp" &&
    recipient !== undefined &&
    event.recipientUserId !== undefined &&
    recipient !== event.recipientUserId
  )
    await linkWhatsAppNames(tx, c, { phone: recipient, userId: pgText(event.recipientUserId) });
  if ((event.status === "failed" || event.status === "undelivered") && event.errorCode) {
    const recipientContact = async (): Promise<string | undefined> => {
      if (applied || !recipient) return undefined;
      try {
        const found = await resolveContactByAddress(tx, c.keys, {
          workspaceId,
          channel: c.account.channel,
          address: recipient,
          create: false,
        });
        return found?.contactId;
      } catch {
        return undefined; // an address the contacts module refuses names no contact of ours
      }
    };
    await recordProviderOptOut(tx, {
      workspaceId,
      channelAccountId: c.account.id,
      errorCode: pgText(event.errorCode),
      messageId: applied?.messageId,
      contactId: await recipientContact(),
      // A wamid holds the number: the receipt is keyed by a keyed hash of it (migration 0353).
      dedupeKey: statusOptOutKey(c.keys, event.providerMessageId),
      legacyDedupeKey: `status:${pgText(event.providerMessageId)}`,
      actor: c.actor,
      requestId: c.requestId,
      at: c.clock(),
    });
  }
  return { kind: "status", messageId: applied?.messageId ?? null };
}
