import { bigint, boolean, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import type { TEvidenceDetails } from "./consent.types.js";

export const campaigns = pgTable("campaigns", {
  id: text("id").primaryKey(),
  workspaceId: text("workspace_id").notNull(),
  brandId: text("brand_id").notNull(),
  name: text("name").notNull(),
  category: text("category").notNull(),
  channels: text("channels").array().notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
});

export const consentLedger = pgTable("consent_ledger", {
  id: text("id").primaryKey(),
  workspaceId: text("workspace_id").notNull(),
  contactId: text("contact_id").notNull(),
  seq: bigint("seq", { mode: "number" }).notNull(),
  brandId: text("brand_id").notNull(),
  kind: text("kind").notNull(),
  refId: text("ref_id"),
  campaignId: text("campaign_id"),
  category: text("category"),
  channels: text("channels").array(),
  basis: text("basis"),
  pending: boolean("pending"),
  scope: text("scope"),
  channel: text("channel"),
  method: text("method").notNull(),
  source: text("source"),
  wording: text("wording"),
  evidence: jsonb("evidence").$type<TEvidenceDetails>().notNull(),
  ipSealed: text("ip_sealed"),
  userAgentSealed: text("user_agent_sealed"),
  effectiveAt: timestamp("effective_at", { withTimezone: true }).notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }),
  confirmBy: timestamp("confirm_by", { withTimezone: true }),
  recordedAt: timestamp("recorded_at", { withTimezone: true }).notNull(),
  actorType: text("actor_type").notNull(),
  actorId: text("actor_id"),
  requestId: text("request_id"),
  prevHash: text("prev_hash").notNull(),
  hash: text("hash").notNull(),
});
