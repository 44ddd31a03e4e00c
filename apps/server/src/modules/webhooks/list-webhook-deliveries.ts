import { and, asc, desc, eq, inArray, lt } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import {
  type TWebhookAttemptRow,
  type TWebhookDeliveryRow,
  webhookAttempts,
  webhookDeliveries,
} from "./webhooks.tables.js";

export type TDeliveryStatus = TWebhookDeliveryRow["status"];

/** Attempts of these deliveries, by delivery id, in order. */
export async function attemptsOf(
  tx: TTx,
  workspaceId: string,
  ids: string[],
): Promise<Map<string, TWebhookAttemptRow[]>> {
  const byDelivery = new Map<string, TWebhookAttemptRow[]>();
  if (ids.length === 0) return byDelivery;
  const found = await tx
    .select()
    .from(webhookAttempts)
    .where(and(eq(webhookAttempts.workspaceId, workspaceId), inArray(webhookAttempts.deliveryId, ids)))
    .orderBy(asc(webhookAttempts.deliveryId), asc(webhookAttempts.attempt));
  for (const a of found) {
    const list = byDelivery.get(a.deliveryId) ?? [];
    list.push(a);
    byDelivery.set(a.deliveryId, list);
  }
  return byDelivery;
}

/** One page (limit + 1 rows) of a subscription's deliveries, newest first, with their attempts. */
export async function listWebhookDeliveries(
  tx: TTx,
  o: {
    workspaceId: string;
    subscriptionId: string;
    limit: number;
    cursor?: string | undefined;
    status?: TDeliveryStatus | undefined;
  },
): Promise<{ deliveries: TWebhookDeliveryRow[]; attempts: Map<string, TWebhookAttemptRow[]> }> {
  const deliveries = await tx
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.workspaceId, o.workspaceId),
        eq(webhookDeliveries.subscriptionId, o.subscriptionId),
        o.status ? eq(webhookDeliveries.status, o.status) : undefined,
        o.cursor ? lt(webhookDeliveries.id, o.cursor) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(o.limit + 1);
  return {
    deliveries,
    attempts: await attemptsOf(
      tx,
      o.workspaceId,
      deliveries.slice(0, o.limit).map((d) => d.id),
    ),
  };
}
