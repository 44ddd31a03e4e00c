import { and, eq } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import { isId } from "../../core/ids.js";
import { type TWebhookSubscriptionRow, webhookSubscriptions } from "./webhooks.tables.js";

/** The subscription, or undefined when it does not exist in this workspace. */
export async function getWebhookSubscription(
  tx: TTx,
  o: { workspaceId: string; subscriptionId: string; forUpdate?: boolean },
): Promise<TWebhookSubscriptionRow | undefined> {
  if (!isId("whk", o.subscriptionId)) return undefined;
  const query = tx
    .select()
    .from(webhookSubscriptions)
    .where(
      and(eq(webhookSubscriptions.id, o.subscriptionId), eq(webhookSubscriptions.workspaceId, o.workspaceId)),
    );
  const found = o.forUpdate ? await query.for("update") : await query;
  return found[0];
}
