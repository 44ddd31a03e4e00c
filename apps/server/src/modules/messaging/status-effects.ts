import type { TTx } from "../../core/db/tx.js";
import { emitWebhookEvents, type TMessageWebhookEventType } from "./emit-webhook-events.js";
import { enqueueTwilioCallbacks } from "./enqueue-twilio-callbacks.js";
import { insertMessageEvents, type TMessageEventType } from "./insert-message-events.js";

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
  await emitWebhookEvents(
    tx,
    changes.map((c) => ({
      workspaceId: c.workspaceId,
      type: `message.${c.status}` as TMessageWebhookEventType,
      at: c.at,
      data: {
        messageId: c.messageId,
        status: c.status,
        reason: c.reason ?? null,
        ...(c.errorCode ? { errorCode: c.errorCode } : {}),
      },
    })),
  );
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
