import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import {
  emitWebhookEvents,
  type TMessageWebhookEvent,
  type TMessageWebhookEventType,
} from "./emit-webhook-events.js";
import { enqueueTwilioCallbacks } from "./enqueue-twilio-callbacks.js";
import { insertMessageEvents, type TMessageEventType } from "./insert-message-events.js";
import { wantedCustomerWebhookEvents } from "./ports.js";

/** One status change of one message, as every writer of statuses reports it. */
export interface TStatusChange {
  workspaceId: string;
  messageId: string;
  status:
    | "sending"
    | "sent"
    | "delivered"
    | "read"
    | "failed"
    | "undelivered"
    | "suppressed"
    | "unknown"
    | "queued"
    | "scheduled";
  /** The timeline row to append; null when the message row's own columns record it (claimed, sent). */
  event: TMessageEventType | null;
  at: Date;
  reason?: string | null | undefined;
  details?: Record<string, unknown> | undefined;
  errorCode?: string | null | undefined;
  statusCallbackUrl?: string | null | undefined;
  callbackKeyId?: string | null | undefined;
}

/** What every message event carries besides its status (docs/webhooks.md), from the message's row. */
interface TMessageFacts {
  id: string;
  contact_id: string;
  brand_id: string;
  channel: string;
  category: string;
  not_before: Date | string | null;
}

/**
 * The customer-webhook events of these changes, with the data docs/webhooks.md promises for every
 * `message.*` event: `messageId`, `status`, `reason`, `contactId`, `brandId`, `channel`, `category`, and
 * `notBefore` (scheduled) or `errorCode` when there is one. Never a body, an address or a provider's text.
 * The rows are read only for events a subscription asks for: nothing when no one listens.
 */
async function statusWebhookEvents(tx: TTx, changes: TStatusChange[]): Promise<TMessageWebhookEvent[]> {
  const wanted = await wantedCustomerWebhookEvents(
    tx,
    changes.map((change) => ({
      workspaceId: change.workspaceId,
      type: `message.${change.status}` as TMessageWebhookEventType,
      data: {},
      change,
    })),
  );
  if (wanted.length === 0) return [];
  const facts = new Map(
    (
      await rows<TMessageFacts>(
        tx,
        sql`select id, contact_id, brand_id, channel, category, not_before from messages
          where id = any(${sql.param([...new Set(wanted.map((w) => w.change.messageId))])}::text[])`,
      )
    ).map((m) => [m.id, m]),
  );
  return wanted.map(({ type, change: c }) => {
    const m = facts.get(c.messageId);
    const notBefore = c.status === "scheduled" && m?.not_before ? new Date(m.not_before) : undefined;
    return {
      workspaceId: c.workspaceId,
      type,
      at: c.at,
      data: {
        messageId: c.messageId,
        status: c.status,
        reason: c.reason ?? null,
        contactId: m?.contact_id ?? null,
        brandId: m?.brand_id ?? null,
        channel: m?.channel ?? null,
        category: m?.category ?? null,
        ...(notBefore ? { notBefore: notBefore.toISOString() } : {}),
        ...(c.errorCode ? { errorCode: c.errorCode } : {}),
      },
    };
  });
}

/**
 * What follows a status change, in the same transaction: the timeline event, the customer webhook and,
 * for messages sent through the Twilio-compatible endpoint with a StatusCallback, the callback.
 */
export async function recordStatusEffects(tx: TTx, changes: TStatusChange[], now: Date): Promise<void> {
  if (changes.length === 0) return;
  await insertMessageEvents(
    tx,
    changes.flatMap((c) =>
      c.event === null
        ? []
        : [
            {
              workspaceId: c.workspaceId,
              messageId: c.messageId,
              type: c.event,
              at: c.at,
              reason: c.reason ?? null,
              details: c.details ?? (c.errorCode ? { errorCode: c.errorCode } : undefined),
            },
          ],
    ),
  );
  await emitWebhookEvents(tx, await statusWebhookEvents(tx, changes));
  await enqueueTwilioCallbacks(
    tx,
    changes.flatMap((c) =>
      c.statusCallbackUrl && c.callbackKeyId
        ? [
            {
              workspaceId: c.workspaceId,
              messageId: c.messageId,
              url: c.statusCallbackUrl,
              apiKeyId: c.callbackKeyId,
              status: c.status,
              // The provider's own code; the Twilio error number is chosen at delivery (deliver-twilio-callbacks.ts).
              errorCode: c.errorCode,
            },
          ]
        : [],
    ),
    now,
  );
}
