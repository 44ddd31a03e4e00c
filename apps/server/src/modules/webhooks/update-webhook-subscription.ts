import { and, eq } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import type { TWebhookEventSelector } from "./event-types.js";
import { getWebhookSubscription } from "./get-webhook-subscription.js";
import { normalizeEventSelectors } from "./normalize-event-selectors.js";
import { type TWebhookSubscriptionRow, webhookSubscriptions } from "./webhooks.tables.js";

export interface TWebhookSubscriptionPatch {
  /** Must have passed checkWebhookUrl. */
  url?: string | undefined;
  events?: readonly TWebhookEventSelector[] | undefined;
  description?: string | null | undefined;
  /** Re-enabling clears the failure run that may have disabled it. */
  enabled?: boolean | undefined;
}

/** Change a subscription; undefined when it does not exist in this workspace. */
export async function updateWebhookSubscription(
  tx: TTx,
  o: {
    workspaceId: string;
    subscriptionId: string;
    patch: TWebhookSubscriptionPatch;
    actor: TActor;
    requestId?: string | undefined;
    at?: Date;
  },
): Promise<TWebhookSubscriptionRow | undefined> {
  const current = await getWebhookSubscription(tx, { ...o, forUpdate: true });
  if (!current) return undefined;
  const { patch } = o;
  const next: Partial<TWebhookSubscriptionRow> = { updatedAt: o.at ?? new Date() };
  if (patch.url !== undefined) next.url = patch.url;
  if (patch.events !== undefined) next.events = normalizeEventSelectors(patch.events);
  if (patch.description !== undefined) next.description = patch.description;
  if (patch.enabled === true && !current.enabled) {
    Object.assign(next, { enabled: true, disabledReason: null, failingSince: null });
  } else if (patch.enabled === false && current.enabled) {
    Object.assign(next, { enabled: false, disabledReason: "manual" });
  }
  const [updated] = await tx
    .update(webhookSubscriptions)
    .set(next)
    .where(and(eq(webhookSubscriptions.id, current.id), eq(webhookSubscriptions.workspaceId, o.workspaceId)))
    .returning();
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: o.actor,
    action: "webhook.updated",
    targetType: "webhook",
    targetId: current.id,
    requestId: o.requestId,
    details: {
      fields: Object.keys(patch)
        .filter((k) => patch[k as keyof TWebhookSubscriptionPatch] !== undefined)
        .sort()
        .join(","),
      enabled: updated?.enabled ?? current.enabled,
    },
  });
  return updated;
}
