import { eq } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import { getWebhookSubscription } from "./get-webhook-subscription.js";
import { newWebhookSecret } from "./new-webhook-secret.js";
import { type TWebhookSubscriptionRow, webhookSubscriptions } from "./webhooks.tables.js";

/** Default time the previous secret keeps signing after a rotation. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;

/**
 * Replace the signing secret (returned once). For `graceSeconds` the previous secret signs too — every
 * delivery then carries two v1 signatures — so receivers can switch without dropping events.
 */
export async function rotateWebhookSecret(
  tx: TTx,
  o: {
    workspaceId: string;
    subscriptionId: string;
    keys: TWorkspaceKeys;
    graceSeconds?: number | undefined;
    actor: TActor;
    requestId?: string | undefined;
    at?: Date;
  },
): Promise<{ subscription: TWebhookSubscriptionRow; secret: string } | undefined> {
  const current = await getWebhookSubscription(tx, { ...o, forUpdate: true });
  if (!current) return undefined;
  const now = o.at ?? new Date();
  const grace = o.graceSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
  const secret = newWebhookSecret();
  const [updated] = await tx
    .update(webhookSubscriptions)
    .set({
      secretSealed: encryptField(o.keys, o.workspaceId, secret),
      previousSecretSealed: grace > 0 ? current.secretSealed : null,
      previousSecretExpiresAt: grace > 0 ? new Date(now.getTime() + grace * 1000) : null,
      updatedAt: now,
    })
    .where(eq(webhookSubscriptions.id, current.id))
    .returning();
  if (!updated) return undefined;
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: o.actor,
    action: "webhook.secret_rotated",
    targetType: "webhook",
    targetId: current.id,
    requestId: o.requestId,
    details: { graceSeconds: grace },
  });
  return { subscription: updated, secret };
}
