import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";

/** Whether the contact is one of this workspace (erased ones included, as getContact finds them). */
export async function contactExists(
  tx: TTx,
  o: { workspaceId: string; contactId: string },
): Promise<boolean> {
  const found = await rows<{ one: number }>(
    tx,
    sql`select 1 as one from contacts where workspace_id = ${o.workspaceId} and id = ${o.contactId}`,
  );
  return found.length > 0;
}
