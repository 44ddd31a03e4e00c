import { and, asc, eq, gt } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import { type TWebhookSubscriptionRow, webhookSubscriptions } from "./webhooks.tables.js";

/** One page (limit + 1 rows, for `page()`) of the workspace's subscriptions, oldest first. */
export function listWebhookSubscriptions(
  tx: TTx,
  o: { workspaceId: string; limit: number; cursor?: string | undefined },
): Promise<TWebhookSubscriptionRow[]> {
  return tx
    .select()
    .from(webhookSubscriptions)
    .where(
      and(
        eq(webhookSubscriptions.workspaceId, o.workspaceId),
        o.cursor ? gt(webhookSubscriptions.id, o.cursor) : undefined,
      ),
    )
    .orderBy(asc(webhookSubscriptions.id))
    .limit(o.limit + 1);
}
