import { sql } from "drizzle-orm";
import { GENESIS_HASH } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";

export interface TConsentHead {
  workspaceId: string;
  contactId: string;
  seq: number;
  hash: string;
}

/**
 * Take the contact's consent head row FOR UPDATE (creating it on first use), before reading or writing
 * any consent state: dispatch decisions hold it FOR SHARE, so an opt-out and a decision for one contact
 * never interleave. An unknown contact is a 404 naming `contactId`.
 */
export async function lockConsentHead(
  tx: TTx,
  o: { workspaceId: string; contactId: string },
): Promise<TConsentHead> {
  // ON CONFLICT DO UPDATE locks the existing row exactly like FOR UPDATE, in one round trip.
  const found = await rows<{ seq: number | string; hash: string }>(
    tx,
    sql`insert into consent_heads (workspace_id, contact_id, seq, hash, updated_at)
      select c.workspace_id, c.id, 0, ${GENESIS_HASH}, now() from contacts c where c.workspace_id = ${o.workspaceId} and c.id = ${o.contactId}
      on conflict (workspace_id, contact_id) do update set seq = consent_heads.seq
      returning seq, hash`,
  );
  const head = found[0];
  if (!head) throw new AppError("not_found", { message: "contact not found", field: "contactId" });
  return { workspaceId: o.workspaceId, contactId: o.contactId, seq: Number(head.seq), hash: head.hash };
}
