import { bigint, boolean, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: text("id").primaryKey(),
  emailIndex: text("email_index").notNull(),
  emailSealed: text("email_sealed").notNull(),
  passwordHash: text("password_hash").notNull(),
  totpSecretSealed: text("totp_secret_sealed"),
  totpEnabled: boolean("totp_enabled").notNull(),
  /** Time-step counter of the last TOTP code accepted (a code is never accepted twice). */
  totpLastCounter: bigint("totp_last_counter", { mode: "number" }),
  recoveryCodes: jsonb("recovery_codes").$type<string[]>().notNull(),
  failedLogins: integer("failed_logins").notNull(),
  lockedUntil: timestamp("locked_until", { withTimezone: true }),
  sessionsValidAfter: timestamp("sessions_valid_after", { withTimezone: true }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
});

export const memberships = pgTable("memberships", {
  id: text("id").primaryKey(),
  workspaceId: text("workspace_id").notNull(),
  userId: text("user_id").notNull(),
  role: text("role").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
});

export const invitations = pgTable("invitations", {
  id: text("id").primaryKey(),
  workspaceId: text("workspace_id").notNull(),
  emailIndex: text("email_index").notNull(),
  role: text("role").notNull(),
  tokenHash: text("token_hash").notNull(),
  /** The invited email, sealed under the user-email platform key (null only for rows older than 0120). */
  emailSealed: text("email_sealed"),
  invitedBy: text("invited_by"),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  acceptedAt: timestamp("accepted_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
});

export const sessions = pgTable("sessions", {
  id: text("id").primaryKey(),
  tokenHash: text("token_hash").notNull(),
  userId: text("user_id").notNull(),
  workspaceId: text("workspace_id"),
  csrfToken: text("csrf_token").notNull(),
  mfaPassed: boolean("mfa_passed").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  /** Absolute expiry (7 days after creation). */
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
  /** Idle expiry is measured from here (12 hours). */
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull(),
});

export const apiKeys = pgTable("api_keys", {
  id: text("id").primaryKey(),
  workspaceId: text("workspace_id").notNull(),
  name: text("name").notNull(),
  prefix: text("prefix").notNull(),
  secretHash: text("secret_hash").notNull(),
  scopes: text("scopes").array().notNull(),
  createdBy: text("created_by"),
  expiresAt: timestamp("expires_at", { withTimezone: true }),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
  lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
});
