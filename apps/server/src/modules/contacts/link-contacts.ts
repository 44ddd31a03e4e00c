import { sql } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";

/** Why two contacts are one person: WhatsApp named a number and a BSUID, each another contact's, at once. */
export type TContactLinkReason = "whatsapp_user_id";

/**
 * Record that two contacts of the workspace are one person (migration 0356), idempotently: a pair already
 * linked writes nothing and answers false. Nothing is merged or moved; consent carries every opt-out
 * recorded later on either to the other (recordOptOut). The caller holds both contacts' consent heads (a
 * link changes which heads an opt-out locks: it must not appear under an opt-out's feet), and carries the
 * opt-outs they hold already before linking them. An erased contact is never linked (false).
 */
export async function linkContacts(
  tx: TTx,
  o: {
    workspaceId: string;
    contactIds: readonly [string, string];
    reason: TContactLinkReason;
    actor: TActor;
    requestId?: string | undefined;
    at: Date;
  },
): Promise<boolean> {
  const [a, b] = o.contactIds;
  if (a === b) return false;
  const added = await rows<{ contact_id: string }>(
    tx,
    sql`insert into contact_links (workspace_id, contact_id, linked_contact_id, reason, created_at)
      select c.workspace_id, c.id, d.id, ${o.reason}, ${o.at}::timestamptz
      from contacts c join contacts d on d.workspace_id = c.workspace_id
      where c.workspace_id = ${o.workspaceId} and c.id = any(${sql.param([a, b])}::text[])
        and d.id = any(${sql.param([a, b])}::text[]) and d.id <> c.id
        and c.erased_at is null and d.erased_at is null
      order by c.id
      on conflict do nothing
      returning contact_id`,
  );
  if (added.length === 0) return false;
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: o.actor,
    action: "contact.linked",
    targetType: "contact",
    targetId: a,
    requestId: o.requestId,
    at: o.at,
    details: { linkedContactId: b, reason: o.reason },
  });
  return true;
}
