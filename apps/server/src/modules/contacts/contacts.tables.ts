import { boolean, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const contacts = pgTable("contacts", {
  id: text("id").primaryKey(),
  workspaceId: text("workspace_id").notNull(),
  displayNameSealed: text("display_name_sealed"),
  locale: text("locale"),
  timeZone: text("time_zone"),
  country: text("country"),
  region: text("region"),
  phoneTimeZone: text("phone_time_zone"),
  minor: boolean("minor").notNull(),
  birthDateSealed: text("birth_date_sealed"),
  minorUntil: timestamp("minor_until", { withTimezone: true }),
  restrictedAt: timestamp("restricted_at", { withTimezone: true }),
  erasedAt: timestamp("erased_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
});

export const contactIdentities = pgTable("contact_identities", {
  id: text("id").primaryKey(),
  workspaceId: text("workspace_id").notNull(),
  contactId: text("contact_id").notNull(),
  channel: text("channel").notNull(),
  kind: text("kind").notNull(),
  addressIndex: text("address_index").notNull(),
  addressSealed: text("address_sealed"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
});

/** Two contacts one person (migration 0356), one row per direction. */
export const contactLinks = pgTable("contact_links", {
  workspaceId: text("workspace_id").notNull(),
  contactId: text("contact_id").notNull(),
  linkedContactId: text("linked_contact_id").notNull(),
  reason: text("reason").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
});
