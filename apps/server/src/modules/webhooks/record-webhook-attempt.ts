import { and, eq, ne, sql } from "drizzle-orm";
import { recordAudit } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { webhookAttempts, webhookDeliveries, webhookSubscriptions } from "./webhooks.tables.js";

export interface TAttemptRecord {
  workspaceId: string;
  deliveryId: string;
  subscriptionId: string;
  at: Date;
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** When the job runner will try again if this attempt failed; null when it was the last attempt. */
  retryAt: Date | null;
  /** A subscription failing continuously for this long is disabled. */
  disableAfterMs: number;
}

/**
 * Log one delivery attempt and move the delivery on (delivered, pending with its next retry, or failed);
 * track the subscription's run of failures and disable it once that run is long enough.
 * Returns whether the delivery is final (no retry should follow) and whether the subscription was disabled.
 */
export async function recordWebhookAttempt(
  tx: TTx,
  r: TAttemptRecord,
): Promise<{ final: boolean; disabled: boolean }> {
  let disabled = false;
  let enabled = true;
  if (r.ok) {
    await tx
      .update(webhookSubscriptions)
      .set({ failingSince: null })
      .where(
        and(
          eq(webhookSubscriptions.id, r.subscriptionId),
          eq(webhookSubscriptions.workspaceId, r.workspaceId),
        ),
      );
  } else {
    const [sub] = await tx
      .update(webhookSubscriptions)
      .set({
        failingSince: sql`coalesce(${webhookSubscriptions.failingSince}, ${r.at.toISOString()}::timestamptz)`,
      })
      .where(
        and(
          eq(webhookSubscriptions.id, r.subscriptionId),
          eq(webhookSubscriptions.workspaceId, r.workspaceId),
        ),
      )
      .returning({ failingSince: webhookSubscriptions.failingSince, enabled: webhookSubscriptions.enabled });
    enabled = sub?.enabled ?? false;
    const since = sub?.failingSince ? new Date(sub.failingSince).getTime() : r.at.getTime();
    if (sub?.enabled && r.at.getTime() - since >= r.disableAfterMs) {
      await tx
        .update(webhookSubscriptions)
        .set({ enabled: false, disabledReason: "failing", updatedAt: r.at })
        .where(eq(webhookSubscriptions.id, r.subscriptionId));
      await recordAudit(tx, {
        workspaceId: r.workspaceId,
        actor: { type: "system", id: null },
        action: "webhook.disabled",
        targetType: "webhook",
        targetId: r.subscriptionId,
        details: { reason: "failing", failingForHours: Math.floor((r.at.getTime() - since) / 3_600_000) },
      });
      // Its other deliveries still waiting for a retry end here too (no attempt is made: their jobs find
      // them no longer pending). This attempt's own delivery is recorded below.
      await tx
        .update(webhookDeliveries)
        .set({
          status: "failed",
          nextAttemptAt: null,
          lastError: "subscription disabled",
          updatedAt: r.at,
          finishedAt: r.at,
        })
        .where(
          and(
            eq(webhookDeliveries.workspaceId, r.workspaceId),
            eq(webhookDeliveries.subscriptionId, r.subscriptionId),
            eq(webhookDeliveries.status, "pending"),
            ne(webhookDeliveries.id, r.deliveryId),
          ),
        );
      disabled = true;
    }
  }
  // A subscription disabled meanwhile (by hand or by another delivery's failure) gets no more retries.
  const final = r.ok || r.retryAt === null || disabled || !enabled;
  const nextRetryAt = final ? null : r.retryAt;
  const [delivery] = await tx
    .update(webhookDeliveries)
    .set({
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      status: r.ok ? "delivered" : final ? "failed" : "pending",
      nextAttemptAt: nextRetryAt,
      lastStatusCode: r.statusCode,
      lastError: r.error,
      updatedAt: r.at,
      finishedAt: final ? r.at : null,
    })
    .where(and(eq(webhookDeliveries.id, r.deliveryId), eq(webhookDeliveries.workspaceId, r.workspaceId)))
    .returning({ attempts: webhookDeliveries.attempts });
  if (delivery) {
    await tx.insert(webhookAttempts).values({
      workspaceId: r.workspaceId,
      deliveryId: r.deliveryId,
      attempt: delivery.attempts,
      at: r.at,
      statusCode: r.statusCode,
      durationMs: r.durationMs,
      error: r.error,
      nextRetryAt,
    });
  }
  return { final, disabled };
}
