import { and, eq } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { isId } from "../../core/ids.js";
import { webhookSubscriptions } from "./webhooks.tables.js";

/**
 * Delete a subscription with its deliveries and their log (pending delivery jobs then find nothing to do).
 * False when it does not exist in this workspace.
 */
export async function deleteWebhookSubscription(
  tx: TTx,
  o: { workspaceId: string; subscriptionId: string; actor: TActor; requestId?: string | undefined },
): Promise<boolean> {
  if (!isId("whk", o.subscriptionId)) return false;
  const deleted = await tx
    .delete(webhookSubscriptions)
    .where(
      and(eq(webhookSubscriptions.id, o.subscriptionId), eq(webhookSubscriptions.workspaceId, o.workspaceId)),
    )
    .returning({ id: webhookSubscriptions.id });
  if (deleted.length === 0) return false;
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: o.actor,
    action: "webhook.deleted",
    targetType: "webhook",
    targetId: o.subscriptionId,
    requestId: o.requestId,
  });
  return true;
}
