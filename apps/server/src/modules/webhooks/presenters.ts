import type { z } from "zod";
import type { ZWebhookDelivery, ZWebhookSubscription } from "./routes.schema.js";
import type { TWebhookAttemptRow, TWebhookDeliveryRow, TWebhookSubscriptionRow } from "./webhooks.tables.js";

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function presentWebhookSubscription(s: TWebhookSubscriptionRow): z.infer<typeof ZWebhookSubscription> {
  return {
    id: s.id,
    url: s.url,
    events: s.events,
    description: s.description,
    enabled: s.enabled,
    disabledReason: s.disabledReason,
    failingSince: iso(s.failingSince),
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

export function presentWebhookDelivery(
  d: TWebhookDeliveryRow,
  attempts: readonly TWebhookAttemptRow[],
): z.infer<typeof ZWebhookDelivery> {
  return {
    id: d.id,
    subscriptionId: d.subscriptionId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attemptCount: d.attempts,
    nextAttemptAt: iso(d.nextAttemptAt),
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    replayOf: d.replayOf,
    createdAt: d.createdAt.toISOString(),
    finishedAt: iso(d.finishedAt),
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      at: a.at.toISOString(),
      statusCode: a.statusCode,
      durationMs: a.durationMs,
      error: a.error,
      nextRetryAt: iso(a.nextRetryAt),
    })),
  };
}
