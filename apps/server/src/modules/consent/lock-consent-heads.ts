import { sql } from "drizzle-orm";
import { GENESIS_HASH } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { findLinkedContacts } from "../contacts/index.js";

/**
 * Take the consent heads of many contacts of one workspace FOR UPDATE (creating the missing ones), in
 * contact id order, as decisions take them FOR SHARE: writers of many contacts (imports) then never wait
 * for each other in a cycle, whatever order their records came in. Each contact's own write takes its
 * head again with lockConsentHead (already held: no wait). Unknown contacts are passed over.
 *
 * Every contact linked to one of them as the same person (contacts' findLinkedContacts, directly or
 * through others) is locked with them, in the same single order: an opt-out recorded on one is carried to
 * the others in the same transaction (recordOptOut), so their heads must be held before any of them is
 * written. The group is read again once locked, and a contact linked meanwhile (its link's writer held
 * heads this call was waiting for) is locked too. Answers the group, in id order, the given contacts
 * included.
 */
export async function lockConsentHeads(
  tx: TTx,
  o: { workspaceId: string; contactIds: readonly string[] },
): Promise<string[]> {
  let group = await findLinkedContacts(tx, o);
  if (group.length === 0) return [];
  await lockHeads(tx, o.workspaceId, group);
  for (;;) {
    const now = await findLinkedContacts(tx, { workspaceId: o.workspaceId, contactIds: group });
    const held = new Set(group);
    const added = now.filter((id) => !held.has(id));
    if (added.length === 0) return now;
    // Rare: a link committed while this waited. Its new members are taken now (they may sort before heads
    // already held; a wait cycle that could follow is broken by Postgres, and the transaction retried).
    await lockHeads(tx, o.workspaceId, added);
    group = now;
  }
}

async function lockHeads(tx: TTx, workspaceId: string, contactIds: readonly string[]): Promise<void> {
  const ids = [...new Set(contactIds)].sort();
  if (ids.length === 0) return;
  await tx.execute(sql`insert into consent_heads (workspace_id, contact_id, seq, hash, updated_at)
    select c.workspace_id, c.id, 0, ${GENESIS_HASH}, now() from contacts c
    where c.workspace_id = ${workspaceId} and c.id = any(${sql.param(ids)}::text[])
    order by c.id
    on conflict do nothing`);
  await tx.execute(sql`select 1 from consent_heads h
    where h.workspace_id = ${workspaceId} and h.contact_id = any(${sql.param(ids)}::text[])
    order by h.contact_id
    for update`);
}
