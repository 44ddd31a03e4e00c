import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";

/**
 * The contacts one person to the given ones (migration 0356): every contact linked to one of them,
 * directly or through others (A linked to B linked to C: all three), in id order, the given ones
 * included. Each contact is visited once, so a cycle of links ends. Reads without locking: a caller that
 * acts on the group locks its members' consent heads, then reads it again (a link is written only under
 * both contacts' heads, so once they are held the group around them cannot change).
 */
export async function findLinkedContacts(
  tx: TTx,
  o: { workspaceId: string; contactIds: readonly string[] },
): Promise<string[]> {
  const ids = [...new Set(o.contactIds)];
  if (ids.length === 0) return [];
  const found = await rows<{ id: string }>(
    tx,
    sql`with recursive g(id) as (
        select unnest(${sql.param(ids)}::text[])
        union
        select l.linked_contact_id from contact_links l join g on l.contact_id = g.id
        where l.workspace_id = ${o.workspaceId}
      )
      select id from g order by id`,
  );
  return found.map((r) => r.id);
}
