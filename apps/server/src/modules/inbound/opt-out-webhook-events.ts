import type { TOptOutEvidence, TOptOutScope } from "../consent/index.js";
import type { TContactChannel } from "../contacts/index.js";
import type { TWebhookEventInput } from "../webhooks/index.js";

/** A contact and ledger entry: the opt-out a copy was carried from. */
export interface TOptOutOrigin {
  contactId: string;
  ledgerEntryId: string;
}

export interface TOptOutWebhookOptions {
  workspaceId: string;
  brandId: string;
  contactId: string;
  scope: TOptOutScope;
  channel: TContactChannel;
  method: TOptOutEvidence["method"];
  /** The opt-out recorded on the contact; no event for it when one covering it was in force already. */
  ledgerEntryId: string;
  alreadyOptedOut: boolean;
  /** The inbound message that expressed it, when one did. */
  inboundMessageId: string | null;
  /** The contact's queued messages suppressed with it. */
  suppressed: number;
  /** The copies recorded on the contacts linked to it (recordOptOut), each with its suppressed messages. */
  carried: readonly (TOptOutOrigin & { suppressed: number })[];
  /** When the opt-out of the contact is itself a copy (carried at linking): the one it was carried from. */
  carriedFrom?: TOptOutOrigin | undefined;
  /** How it was expressed (`providerError`, `reason`): in every event, copies' included. */
  details?: Record<string, unknown> | undefined;
  /** Fields naming a message of the contact's (`messageId`): in the contact's event; null in copies'. */
  messageDetails?: Record<string, unknown> | undefined;
  at: Date;
}

/**
 * The `contact.opted_out` events of one recorded opt-out: the contact's own (unless an opt-out covering it
 * was in force already), then one per copy carried to a linked contact, in the order of `carried`, each
 * with its own contact, ledger entry and suppressed count, and `carriedFrom` naming the contact and entry
 * it was carried from. A copy's event has the original's scope, channel, method and details; the fields
 * naming a message of the original contact (`inboundMessageId`, `messageId`) are null in it: the person
 * wrote under the other name, which `carriedFrom` gives. Nothing is emitted here (the caller's
 * transaction does, with its other events).
 */
export function optOutWebhookEvents(o: TOptOutWebhookOptions): TWebhookEventInput[] {
  const event = (e: {
    contactId: string;
    ledgerEntryId: string;
    inboundMessageId: string | null;
    messageDetails: Record<string, unknown>;
    suppressed: number;
    carriedFrom: TOptOutOrigin | undefined;
  }): TWebhookEventInput => ({
    workspaceId: o.workspaceId,
    type: "contact.opted_out",
    at: o.at,
    data: {
      contactId: e.contactId,
      brandId: o.brandId,
      scope: o.scope,
      channel: o.channel,
      method: o.method,
      ...o.details,
      ...e.messageDetails,
      ledgerEntryId: e.ledgerEntryId,
      inboundMessageId: e.inboundMessageId,
      suppressedMessages: e.suppressed,
      ...(e.carriedFrom
        ? { carriedFrom: { contactId: e.carriedFrom.contactId, ledgerEntryId: e.carriedFrom.ledgerEntryId } }
        : {}),
      at: o.at.toISOString(),
    },
  });
  const events: TWebhookEventInput[] = [];
  if (!o.alreadyOptedOut)
    events.push(
      event({
        contactId: o.contactId,
        ledgerEntryId: o.ledgerEntryId,
        inboundMessageId: o.inboundMessageId,
        messageDetails: o.messageDetails ?? {},
        suppressed: o.suppressed,
        carriedFrom: o.carriedFrom,
      }),
    );
  const noMessage = Object.fromEntries(Object.keys(o.messageDetails ?? {}).map((k) => [k, null]));
  for (const c of o.carried)
    events.push(
      event({
        contactId: c.contactId,
        ledgerEntryId: c.ledgerEntryId,
        inboundMessageId: null,
        messageDetails: noMessage,
        suppressed: c.suppressed,
        carriedFrom: { contactId: o.contactId, ledgerEntryId: o.ledgerEntryId },
      }),
    );
  return events;
}
