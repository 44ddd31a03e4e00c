import { and, eq } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import { isId } from "../../core/ids.js";
import { attemptsOf } from "./list-webhook-deliveries.js";
import { type TWebhookAttemptRow, type TWebhookDeliveryRow, webhookDeliveries } from "./webhooks.tables.js";

/** A delivery of this subscription with its attempts, or undefined. */
export async function getWebhookDelivery(
  tx: TTx,
  o: { workspaceId: string; subscriptionId: string; deliveryId: string },
): Promise<{ delivery: TWebhookDeliveryRow; attempts: TWebhookAttemptRow[] } | undefined> {
  if (!isId("whd", o.deliveryId)) return undefined;
  const [delivery] = await tx
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.id, o.deliveryId),
        eq(webhookDeliveries.workspaceId, o.workspaceId),
        eq(webhookDeliveries.subscriptionId, o.subscriptionId),
      ),
    );
  if (!delivery) return undefined;
  return { delivery, attempts: (await attemptsOf(tx, o.workspaceId, [delivery.id])).get(delivery.id) ?? [] };
}
