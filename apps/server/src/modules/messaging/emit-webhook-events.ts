import type { TTx } from "../../core/db/tx.js";
import { emitCustomerWebhookEvents } from "./ports.js";

/** The customer-webhook event types messaging emits. */
export type TMessageWebhookEventType =
  | "message.queued"
  | "message.scheduled"
  | "message.suppressed"
  | "message.sending"
  | "message.sent"
  | "message.delivered"
  | "message.read"
  | "message.failed"
  | "message.undelivered"
  | "message.unknown";

export interface TMessageWebhookEvent {
  workspaceId: string;
  type: TMessageWebhookEventType;
  /** Ids, statuses, reasons and times only: never bodies or addresses. */
  data: Record<string, unknown>;
  at?: Date;
}

/**
 * Customer webhooks for message status changes, inside the caller's transaction (the webhooks module's
 * outbox; free when the workspace has no subscription).
 */
export async function emitWebhookEvents(tx: TTx, events: TMessageWebhookEvent[]): Promise<void> {
  if (events.length === 0) return;
  await emitCustomerWebhookEvents(tx, events);
}
