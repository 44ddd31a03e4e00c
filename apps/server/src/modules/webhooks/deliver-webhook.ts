import { and, eq } from "drizzle-orm";
import { withWorkspaceTx } from "../../core/db/tx.js";
import type { TJobRun } from "../../core/jobs/index.js";
import { decryptField } from "../../core/keyring.js";
import { postFailure, postWebhook } from "./post-webhook.js";
import { recordWebhookAttempt } from "./record-webhook-attempt.js";
import { signWebhook } from "./sign-webhook.js";
import { invalidateWebhookSubscriptions } from "./subscription-cache.js";
import {
  DEFAULT_DELIVERY_TIMEOUT_MS,
  DEFAULT_DISABLE_AFTER_MS,
  type TWebhookOptions,
} from "./webhook-options.js";
import { webhookDeliveries, webhookEvents, webhookSubscriptions } from "./webhooks.tables.js";
import { useWebhookKeyRing } from "./workspace-keys-in-tx.js";

export const WEBHOOK_USER_AGENT = "Assent-Webhooks/1";

/**
 * The delivery job: POST the signed event to the subscription's URL, log the attempt, and throw when it
 * failed and a retry is due (the job runner then waits its backoff). A 2xx is delivered; anything else,
 * including a redirect (never followed), a timeout or a refused address, is a failed attempt.
 */
export async function deliverWebhook(
  payload: { workspaceId: string; deliveryId: string },
  run: TJobRun,
  options: TWebhookOptions,
): Promise<void> {
  const { ctx } = run;
  const { workspaceId, deliveryId } = payload;
  useWebhookKeyRing(ctx.keys);
  const keys = await ctx.keys.forWorkspace(ctx.db, workspaceId);
  const loaded = await withWorkspaceTx(ctx.db, workspaceId, async (tx) => {
    const [delivery] = await tx
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.workspaceId, workspaceId)));
    if (delivery?.status !== "pending") return undefined;
    const [subscription] = await tx
      .select()
      .from(webhookSubscriptions)
      .where(eq(webhookSubscriptions.id, delivery.subscriptionId));
    const [event] = await tx.select().from(webhookEvents).where(eq(webhookEvents.id, delivery.eventId));
    return subscription && event ? { delivery, subscription, event } : undefined;
  });
  if (!loaded) return;
  const { subscription, event } = loaded;
  const at = ctx.clock();
  const base = {
    workspaceId,
    deliveryId,
    subscriptionId: subscription.id,
    disableAfterMs: options.disableAfterMs ?? DEFAULT_DISABLE_AFTER_MS,
  };
  if (!subscription.enabled) {
    await withWorkspaceTx(ctx.db, workspaceId, (tx) =>
      recordWebhookAttempt(tx, {
        ...base,
        at,
        ok: false,
        statusCode: null,
        durationMs: 0,
        error: "subscription disabled",
        retryAt: null,
      }),
    );
    return;
  }
  const secrets = [decryptField(keys, workspaceId, subscription.secretSealed)];
  if (
    subscription.previousSecretSealed &&
    subscription.previousSecretExpiresAt &&
    subscription.previousSecretExpiresAt > at
  ) {
    secrets.push(decryptField(keys, workspaceId, subscription.previousSecretSealed));
  }
  const body = JSON.stringify({
    id: event.id,
    type: event.type,
    createdAt: event.createdAt.toISOString(),
    workspaceId,
    data: JSON.parse(decryptField(keys, workspaceId, event.dataSealed)),
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const result = await postWebhook({
    url: subscription.url,
    body,
    timeoutMs: options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS,
    allowPrivate: options.allowPrivateUrls === true,
    signal: run.signal,
    headers: {
      "content-type": "application/json",
      "user-agent": WEBHOOK_USER_AGENT,
      "assent-signature": signWebhook(secrets, timestamp, body),
      "assent-event-id": event.id,
      "assent-event-type": event.type,
      "assent-delivery-id": deliveryId,
      "assent-delivery-attempt": String(loaded.delivery.attempts + 1),
    },
  });
  const status = result.statusCode;
  const error = postFailure(result);
  const ok = error === null;
  const outcome = await withWorkspaceTx(ctx.db, workspaceId, (tx) =>
    recordWebhookAttempt(tx, {
      ...base,
      at: ctx.clock(),
      ok,
      statusCode: status,
      durationMs: result.durationMs,
      error,
      retryAt: run.retryAt,
    }),
  );
  if (outcome.disabled) invalidateWebhookSubscriptions(workspaceId);
  if (!outcome.final) throw new Error(`webhook delivery failed: ${error}`);
}
