import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { enqueueJob } from "../../core/jobs/index.js";
import { getWebhookDelivery } from "./get-webhook-delivery.js";
import { getWebhookSubscription } from "./get-webhook-subscription.js";
import { deliverWebhookJob } from "./webhook-jobs.js";
import { type TWebhookDeliveryRow, webhookDeliveries } from "./webhooks.tables.js";

/**
 * Send a delivery's event again to its subscription, as a new delivery (same event id, so receivers that
 * de-duplicate on it stay correct) with its own attempts. Undefined when the delivery does not exist here.
 */
export async function replayWebhookDelivery(
  tx: TTx,
  o: {
    workspaceId: string;
    subscriptionId: string;
    deliveryId: string;
    actor: TActor;
    requestId?: string | undefined;
    at?: Date;
  },
): Promise<TWebhookDeliveryRow | undefined> {
  const subscription = await getWebhookSubscription(tx, o);
  if (!subscription) return undefined;
  const original = await getWebhookDelivery(tx, o);
  if (!original) return undefined;
  if (!subscription.enabled) {
    throw new AppError("unprocessable", {
      message: "the subscription is disabled: enable it before replaying",
      field: "enabled",
    });
  }
  const now = o.at ?? new Date();
  const row: TWebhookDeliveryRow = {
    id: newId("whd"),
    workspaceId: o.workspaceId,
    subscriptionId: subscription.id,
    eventId: original.delivery.eventId,
    eventType: original.delivery.eventType,
    status: "pending",
    attempts: 0,
    nextAttemptAt: null,
    lastStatusCode: null,
    lastError: null,
    replayOf: original.delivery.id,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
  await tx.insert(webhookDeliveries).values(row);
  await enqueueJob(tx, deliverWebhookJob, { workspaceId: o.workspaceId, deliveryId: row.id });
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: o.actor,
    action: "webhook.delivery_replayed",
    targetType: "webhook_delivery",
    targetId: row.id,
    requestId: o.requestId,
    details: { replayOf: original.delivery.id, subscriptionId: subscription.id },
  });
  return row;
}
