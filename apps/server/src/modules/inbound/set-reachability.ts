import { sql } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";

/**
 * Marks a contact unreachable (or reachable again) through one channel account: a Telegram block or
 * unblock update, or a send refused with "bot was blocked by the user". Not consent: the person can
 * unblock. A change older than the one recorded is ignored (providers deliver out of order).
 */
export async function setReachability(
  tx: TTx,
  o: {
    workspaceId: string;
    channelAccountId: string;
    contactId: string;
    unreachable: boolean;
    /** "blocked", "unblocked", "send_refused"… (no personal data). */
    reason: string;
    /** When the provider says it happened. */
    at: Date;
    actor: TActor;
    requestId?: string | undefined;
  },
): Promise<{ applied: boolean; changed: boolean }> {
  const before = await rows<{ unreachable: boolean; changed_at: Date | string }>(
    tx,
    sql`select unreachable, changed_at from channel_reachability
        where workspace_id = ${o.workspaceId} and channel_account_id = ${o.channelAccountId} and contact_id = ${o.contactId}
        for update`,
  );
  const prev = before[0];
  if (prev && new Date(prev.changed_at).getTime() > o.at.getTime()) return { applied: false, changed: false };
  await tx.execute(sql`insert into channel_reachability (workspace_id, channel_account_id, contact_id, unreachable, reason, changed_at, updated_at)
      values (${o.workspaceId}, ${o.channelAccountId}, ${o.contactId}, ${o.unreachable}, ${o.reason}, ${o.at}, ${new Date()})
      on conflict (workspace_id, channel_account_id, contact_id) do update set unreachable = excluded.unreachable,
        reason = excluded.reason, changed_at = excluded.changed_at, updated_at = excluded.updated_at`);
  const changed = prev === undefined ? o.unreachable : prev.unreachable !== o.unreachable;
  if (changed) {
    await recordAudit(tx, {
      workspaceId: o.workspaceId,
      actor: o.actor,
      action: o.unreachable ? "contact.unreachable" : "contact.reachable",
      targetType: "contact",
      targetId: o.contactId,
      requestId: o.requestId,
      details: { channelAccountId: o.channelAccountId, reason: o.reason },
    });
  }
  return { applied: true, changed };
}
