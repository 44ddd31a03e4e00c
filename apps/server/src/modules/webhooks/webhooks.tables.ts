import { boolean, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

const at = (name: string) => timestamp(name, { withTimezone: true });

export const webhookSubscriptions = pgTable("webhook_subscriptions", {
  id: text("id").primaryKey(),
  workspaceId: text("workspace_id").notNull(),
  url: text("url").notNull(),
  events: text("events").array().notNull(),
  description: text("description"),
  enabled: boolean("enabled").notNull(),
  disabledReason: text("disabled_reason").$type<"manual" | "failing">(),
  secretSealed: text("secret_sealed").notNull(),
  previousSecretSealed: text("previous_secret_sealed"),
  previousSecretExpiresAt: at("previous_secret_expires_at"),
  failingSince: at("failing_since"),
  createdAt: at("created_at").notNull(),
  updatedAt: at("updated_at").notNull(),
});

export const webhookEvents = pgTable("webhook_events", {
  id: text("id").primaryKey(),
  workspaceId: text("workspace_id").notNull(),
  type: text("type").notNull(),
  dataSealed: text("data_sealed").notNull(),
  createdAt: at("created_at").notNull(),
});

export const webhookDeliveries = pgTable("webhook_deliveries", {
  id: text("id").primaryKey(),
  workspaceId: text("workspace_id").notNull(),
  subscriptionId: text("subscription_id").notNull(),
  eventId: text("event_id").notNull(),
  eventType: text("event_type").notNull(),
  status: text("status").$type<"pending" | "delivered" | "failed">().notNull(),
  attempts: integer("attempts").notNull(),
  nextAttemptAt: at("next_attempt_at"),
  lastStatusCode: integer("last_status_code"),
  lastError: text("last_error"),
  replayOf: text("replay_of"),
  createdAt: at("created_at").notNull(),
  updatedAt: at("updated_at").notNull(),
  finishedAt: at("finished_at"),
});

export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    workspaceId: text("workspace_id").notNull(),
    deliveryId: text("delivery_id").notNull(),
    attempt: integer("attempt").notNull(),
    at: at("at").notNull(),
    statusCode: integer("status_code"),
    durationMs: integer("duration_ms").notNull(),
    error: text("error"),
    nextRetryAt: at("next_retry_at"),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.attempt] })],
);

export type TWebhookSubscriptionRow = typeof webhookSubscriptions.$inferSelect;
export type TWebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type TWebhookAttemptRow = typeof webhookAttempts.$inferSelect;
