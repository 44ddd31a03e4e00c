import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { toMaybeDate } from "./ledger-entry.js";

/** The consent decision a message carries (messaging stores it on each message), as a proof shows it. */
export interface TMessageDecision {
  messageId: string;
  brandId: string;
  campaignId: string | null;
  channel: string;
  category: string;
  status: string;
  /** Why the message is in its status (suppression, failure, quiet hours…). */
  reason: string | null;
  acceptedAt: Date | null;
  acceptStatus: string | null;
  acceptReason: string | null;
  /** When the dispatcher decided again and handed it to the channel. */
  dispatchedAt: Date | null;
  dispatchReason: string | null;
  /** The ledger entries of the latest decision (accept time, then dispatch time). */
  ledgerEntryIds: string[];
}

interface TRow {
  id: string;
  brand_id: string;
  campaign_id: string | null;
  channel: string;
  category: string;
  status: string;
  reason: string | null;
  created_at: Date | string | null;
  accept_status: string | null;
  accept_reason: string | null;
  claimed_at: Date | string | null;
  dispatch_reason: string | null;
  decision_ledger_ids: string[] | null;
}

/**
 * The decision recorded with one message of this contact, from the messaging module's `messages` table,
 * or null when the contact has no such message (or messaging is not installed in this database). With
 * `brandId`, a message of another brand is no such message: one brand's proof never shows another's.
 */
export async function readMessageDecision(
  tx: TTx,
  o: { workspaceId: string; contactId: string; messageId: string; brandId?: string | undefined },
): Promise<TMessageDecision | null> {
  const [present] = await rows<{ ok: boolean }>(tx, sql`select to_regclass('messages') is not null as ok`);
  if (!present?.ok) return null;
  const [m] = await rows<TRow>(
    tx,
    sql`select id, brand_id, campaign_id, channel, category, status, reason, created_at, accept_status, accept_reason,
        claimed_at, dispatch_reason, decision_ledger_ids
      from messages where workspace_id = ${o.workspaceId} and id = ${o.messageId} and contact_id = ${o.contactId}
        and (${o.brandId ?? null}::text is null or brand_id = ${o.brandId ?? null})`,
  );
  if (!m) return null;
  return {
    messageId: m.id,
    brandId: m.brand_id,
    campaignId: m.campaign_id,
    channel: m.channel,
    category: m.category,
    status: m.status,
    reason: m.reason,
    acceptedAt: toMaybeDate(m.created_at),
    acceptStatus: m.accept_status,
    acceptReason: m.accept_reason,
    dispatchedAt: toMaybeDate(m.claimed_at),
    dispatchReason: m.dispatch_reason,
    ledgerEntryIds: m.decision_ledger_ids ?? [],
  };
}
