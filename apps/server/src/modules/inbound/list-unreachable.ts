import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";

/**
 * Batch form of isUnreachable for the dispatcher: which of these contacts are unreachable through
 * which of these channel accounts (keys `${channelAccountId}:${contactId}`). One query.
 */
export async function listUnreachable(
  tx: TTx,
  o: { pairs: { workspaceId: string; channelAccountId: string; contactId: string }[] },
): Promise<Set<string>> {
  if (o.pairs.length === 0) return new Set();
  const found = await rows<{ channel_account_id: string; contact_id: string }>(
    tx,
    sql`select r.channel_account_id, r.contact_id from channel_reachability r
        join unnest(${sql.param(o.pairs.map((p) => p.workspaceId))}::text[], ${sql.param(o.pairs.map((p) => p.channelAccountId))}::text[],
          ${sql.param(o.pairs.map((p) => p.contactId))}::text[]) as k(ws, acc, ctc)
          on r.workspace_id = k.ws and r.channel_account_id = k.acc and r.contact_id = k.ctc
        where r.unreachable`,
  );
  return new Set(found.map((r) => `${r.channel_account_id}:${r.contact_id}`));
}
