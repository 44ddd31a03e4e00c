import { sql } from "drizzle-orm";
import type { TMessageStatus } from "./messaging.types.js";

/** The message columns reads select (content stays sealed until presented). */
export const messageColumns = sql.raw(
  "id, workspace_id, brand_id, campaign_id, contact_id, channel, channel_account_id, category, source, status, reason, " +
    "not_before, due_at, content_kind, content_sealed, segments, attempts, provider_message_id, provider_message_sealed, error_code, error_message, " +
    "decision_ledger_ids, claimed_at, dispatch_reason, in_reply_to, compliance_kind, twilio_sid, status_callback_url, created_at, updated_at, sent_at, " +
    "delivered_at, read_at, accept_status, accept_reason, accept_allowed, accept_decision, accept_basis, accept_ledger_ids, " +
    "accept_not_before",
);

export interface TMessageDbRow {
  id: string;
  workspace_id: string;
  brand_id: string;
  campaign_id: string | null;
  contact_id: string;
  channel: string;
  channel_account_id: string;
  category: string;
  source: string;
  status: TMessageStatus;
  reason: string | null;
  not_before: Date | string | null;
  due_at: Date | string | null;
  content_kind: string;
  content_sealed: string;
  segments: number;
  attempts: number;
  /** The provider's id as it is (providers whose ids name no one), else null. */
  provider_message_id: string | null;
  /** The provider's id sealed with the workspace key (WhatsApp Cloud, Instagram: migration 0354), else null. */
  provider_message_sealed: string | null;
  error_code: string | null;
  error_message: string | null;
  decision_ledger_ids: string[] | null;
  claimed_at: Date | string | null;
  dispatch_reason: string | null;
  in_reply_to: string | null;
  compliance_kind: string | null;
  twilio_sid: string | null;
  status_callback_url: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  sent_at: Date | string | null;
  delivered_at: Date | string | null;
  read_at: Date | string | null;
  /** How the message was accepted (never changes; migration 0345). */
  accept_status: TMessageStatus;
  accept_reason: string | null;
  /** The consent decision at accept, on rows the send path wrote since migration 0345 (else null). */
  accept_allowed: boolean | null;
  accept_decision: string | null;
  accept_basis: string | null;
  accept_ledger_ids: string[] | null;
  accept_not_before: Date | string | null;
}

export interface TMessageEventDbRow {
  message_id: string;
  type: string;
  at: Date | string;
  reason: string | null;
  details: Record<string, unknown> | null;
}

export function isoOf(v: Date | string | null): string | null {
  if (v === null) return null;
  return (v instanceof Date ? v : new Date(v)).toISOString();
}
