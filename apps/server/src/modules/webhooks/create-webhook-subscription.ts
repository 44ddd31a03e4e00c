import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { newId } from "../../core/ids.js";
import { encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import type { TWebhookEventSelector } from "./event-types.js";
import { newWebhookSecret } from "./new-webhook-secret.js";
import { normalizeEventSelectors } from "./normalize-event-selectors.js";
import { type TWebhookSubscriptionRow, webhookSubscriptions } from "./webhooks.tables.js";

/**
 * Create a subscription with a fresh signing secret (returned here once, stored sealed). The URL must have
 * passed checkWebhookUrl. Call invalidateWebhookSubscriptions after the transaction commits.
 */
export async function createWebhookSubscription(
  tx: TTx,
  o: {
    workspaceId: string;
    keys: TWorkspaceKeys;
    url: string;
    events: readonly TWebhookEventSelector[];
    description?: string | undefined;
    actor: TActor;
    requestId?: string | undefined;
    at?: Date;
  },
): Promise<{ subscription: TWebhookSubscriptionRow; secret: string }> {
  const secret = newWebhookSecret();
  const now = o.at ?? new Date();
  const row: TWebhookSubscriptionRow = {
    id: newId("whk"),
    workspaceId: o.workspaceId,
    url: o.url,
    events: normalizeEventSelectors(o.events),
    description: o.description ?? null,
    enabled: true,
    disabledReason: null,
    secretSealed: encryptField(o.keys, o.workspaceId, secret),
    previousSecretSealed: null,
    previousSecretExpiresAt: null,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  };
  await tx.insert(webhookSubscriptions).values(row);
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: o.actor,
    action: "webhook.created",
    targetType: "webhook",
    targetId: row.id,
    requestId: o.requestId,
    details: { events: row.events.join(",") },
  });
  return { subscription: row, secret };
}
