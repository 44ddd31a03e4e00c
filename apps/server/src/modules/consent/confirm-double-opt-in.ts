import { sql } from "drizzle-orm";
import type { TActor } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import type { TContactChannel } from "../contacts/index.js";
import { appendLedgerEntries } from "./append-ledger-entries.js";
import type { TEvidenceDetails } from "./consent.types.js";
import { lockConsentHead } from "./lock-consent-head.js";

/**
 * A YES reply on a channel confirms this contact's pending double-opt-in grants for the brand that cover
 * that channel and are still within their window. Returns how many were confirmed (0 writes nothing).
 */
export async function confirmDoubleOptIn(
  tx: TTx,
  o: {
    workspaceId: string;
    brandId: string;
    contactId: string;
    channel: TContactChannel;
    messageId?: string;
    actor: TActor;
    requestId?: string;
    at?: Date;
  },
): Promise<{ confirmed: number }> {
  const at = o.at ?? new Date();
  const head = await lockConsentHead(tx, o);
  const pending = await rows<{ id: string }>(
    tx,
    sql`select id from consent_grants where workspace_id = ${o.workspaceId} and contact_id = ${o.contactId} and brand_id = ${o.brandId}
      and status = 'pending' and confirm_by > ${at} and ${o.channel} = any(channels) order by id`,
  );
  if (pending.length === 0) return { confirmed: 0 };
  const evidence: TEvidenceDetails = o.messageId ? { messageId: o.messageId } : {};
  await appendLedgerEntries(tx, head, {
    at,
    actor: o.actor,
    requestId: o.requestId,
    entries: pending.map((g) => ({
      brandId: o.brandId,
      kind: "confirm" as const,
      refId: g.id,
      channel: o.channel,
      method: "keyword",
      effectiveAt: at,
      evidence,
    })),
  });
  return { confirmed: pending.length };
}
