import { sql } from "drizzle-orm";
import type { TDb } from "../../../core/db/client.js";
import { rows, withSystemTx } from "../../../core/db/tx.js";
import { failDisabledSenderMessages } from "../fail-disabled-sender-messages.js";

/**
 * Messages that reached a sender after it was disabled (accepted by a process whose sender cache had not
 * seen the disable yet, or a compliance reply to an inbound message) would stay queued for good: the
 * dispatcher leases active senders only. This fails them, as the disable did its own. Most sweeps find
 * no disabled sender with a due message and cost one small statement (an index probe per disabled sender).
 */
export async function sweepDisabledSenders(db: TDb, o: { limit?: number } = {}): Promise<number> {
  return withSystemTx(db, async (tx) => {
    const senders = await rows<{ id: string }>(
      tx,
      sql`select a.id from channel_accounts a where a.status = 'disabled'
        and exists (select 1 from messages m where m.channel_account_id = a.id and m.due_at is not null)`,
    );
    return failDisabledSenderMessages(tx, {
      channelAccountIds: senders.map((r) => r.id),
      now: new Date(),
      sweep: true,
      limit: o.limit ?? 1000,
    });
  });
}
