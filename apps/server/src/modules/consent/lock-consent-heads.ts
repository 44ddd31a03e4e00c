import { sql } from "drizzle-orm";
import { GENESIS_HASH } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";

/**
 * Take the consent heads of many contacts of one workspace FOR UPDATE (creating the missing ones), in
 * contact id order, as decisions take them FOR SHARE: writers of many contacts (imports) then never wait
 * for each other in a cycle, whatever order their records came in. Each contact's own write takes its
 * head again with lockConsentHead (already held: no wait). Unknown contacts are passed over.
 */
export async function lockConsentHeads(
  tx: TTx,
  o: { workspaceId: string; contactIds: readonly string[] },
): Promise<void> {
  const ids = [...new Set(o.contactIds)].sort();
  if (ids.length === 0) return;
  await tx.execute(sql`insert into consent_heads (workspace_id, contact_id, seq, hash, updated_at)
    select c.workspace_id, c.id, 0, ${GENESIS_HASH}, now() from contacts c
    where c.workspace_id = ${o.workspaceId} and c.id = any(${sql.param(ids)}::text[])
    order by c.id
    on conflict do nothing`);
  await tx.execute(sql`select 1 from consent_heads h
    where h.workspace_id = ${o.workspaceId} and h.contact_id = any(${sql.param(ids)}::text[])
    order by h.contact_id
    for update`);
}
