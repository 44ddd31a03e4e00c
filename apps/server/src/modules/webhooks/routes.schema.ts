import { z } from "zod";
import { ZListQuery } from "../../core/pagination.js";
import { webhookEventTypes } from "./event-types.js";

export const ZEventSelectors = z
  .array(z.enum([...webhookEventTypes, "*"]))
  .min(1)
  .max(webhookEventTypes.length + 1);

export const ZCreateWebhookRequest = z
  .object({
    url: z.string().min(1).max(2048),
    events: ZEventSelectors,
    description: z.string().trim().max(500).optional(),
  })
  .strict();

export const ZUpdateWebhookRequest = z
  .object({
    url: z.string().min(1).max(2048).optional(),
    events: ZEventSelectors.optional(),
    description: z.string().trim().max(500).nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .refine((o) => Object.values(o).some((v) => v !== undefined), {
    message: "give at least one of url, events, description, enabled",
  });

export const ZRotateSecretRequest = z
  .object({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .optional(),
  })
  .strict()
  .nullish();

export const ZWebhookParams = z.object({ id: z.string().min(1).max(100) });
export const ZDeliveryParams = z.object({
  id: z.string().min(1).max(100),
  deliveryId: z.string().min(1).max(100),
});

export const ZDeliveryListQuery = ZListQuery.extend({
  status: z.enum(["pending", "delivered", "failed"]).optional(),
});

export const ZWebhookSubscription = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  enabled: z.boolean(),
  disabledReason: z.enum(["manual", "failing"]).nullable(),
  failingSince: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** Creation and rotation answers carry the signing secret: the only time it is shown. */
export const ZWebhookSubscriptionWithSecret = ZWebhookSubscription.extend({ secret: z.string().optional() });

export const ZWebhookAttempt = z.object({
  attempt: z.number().int(),
  at: z.string(),
  statusCode: z.number().int().nullable(),
  durationMs: z.number().int(),
  error: z.string().nullable(),
  nextRetryAt: z.string().nullable(),
});

export const ZWebhookDelivery = z.object({
  id: z.string(),
  subscriptionId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(["pending", "delivered", "failed"]),
  attemptCount: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  replayOf: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  attempts: z.array(ZWebhookAttempt),
});
