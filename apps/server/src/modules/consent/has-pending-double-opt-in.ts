import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";

/** Whether the contact has a double-opt-in grant of this brand waiting for a YES (window still open). */
export async function hasPendingDoubleOptIn(
  tx: TTx,
  o: { workspaceId: string; brandId: string; contactId: string; at?: Date },
): Promise<boolean> {
  const found = await rows<{ id: string }>(
    tx,
    sql`select id from consent_grants where workspace_id = ${o.workspaceId} and contact_id = ${o.contactId} and brand_id = ${o.brandId}
      and status = 'pending' and confirm_by > ${o.at ?? new Date()} limit 1`,
  );
  return found.length > 0;
}
