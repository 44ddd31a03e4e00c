import { sql } from "drizzle-orm";
import { recordAudit } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { recordStatusEffects } from "./status-effects.js";

export interface TSuppressQueuedOptions {
  workspaceId: string;
  brandId: string;
  contactId: string;
  /** all: every message of the brand to the contact; marketing: only category marketing. */
  scope: "all" | "marketing";
  reason: "opted_out" | "opted_out_marketing" | "contact_restricted" | "contact_erased";
  ledgerEntryId?: string | undefined;
  at?: Date | undefined;
}

/**
 * In the opt-out (or restriction, erasure) transaction: every queued or scheduled message of that brand
 * to that contact, on every channel, becomes suppressed with the ledger entry as evidence. Messages a
 * dispatcher already claimed were decided before this transaction took the consent lock.
 */
export async function suppressQueuedForContact(
  tx: TTx,
  o: TSuppressQueuedOptions,
): Promise<{ suppressed: number }> {
  const at = o.at ?? new Date();
  const ledger = o.ledgerEntryId === undefined ? [] : [o.ledgerEntryId];
  const suppressed = await rows<{
    id: string;
    status_callback_url: string | null;
    callback_key_id: string | null;
  }>(
    tx,
    sql`update messages set status = 'suppressed', reason = ${o.reason}, due_at = null, updated_at = ${at},
        decision_ledger_ids = ${sql.param(ledger)}::text[]
      where workspace_id = ${o.workspaceId} and contact_id = ${o.contactId} and brand_id = ${o.brandId}
        and status in ('queued', 'scheduled') and due_at is not null and source <> 'compliance'
        ${o.scope === "marketing" ? sql`and category = 'marketing'` : sql``}
      returning id, status_callback_url, callback_key_id`,
  );
  if (suppressed.length === 0) return { suppressed: 0 };
  await recordStatusEffects(
    tx,
    suppressed.map((m) => ({
      workspaceId: o.workspaceId,
      messageId: m.id,
      status: "suppressed" as const,
      event: "suppressed" as const,
      at,
      reason: o.reason,
      details: { decision: { allowed: false, reason: o.reason, ledgerEntryIds: ledger } },
      // A Twilio-compatible send hears of it as Twilio reports a refusal (failed, 21610).
      statusCallbackUrl: m.status_callback_url,
      callbackKeyId: m.callback_key_id,
    })),
    at,
  );
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: { type: "system", id: null },
    action: "messages.suppressed_for_contact",
    targetType: "contact",
    targetId: o.contactId,
    at,
    details: {
      count: suppressed.length,
      reason: o.reason,
      brandId: o.brandId,
      ledgerEntryId: o.ledgerEntryId ?? null,
    },
  });
  return { suppressed: suppressed.length };
}
