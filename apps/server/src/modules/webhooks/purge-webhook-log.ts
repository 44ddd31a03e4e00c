import { sql } from "drizzle-orm";
import type { TDb } from "../../core/db/client.js";
import { rows, withSystemTx } from "../../core/db/tx.js";

const BATCH = 1000;

/**
 * Delete events created before `before`, with their deliveries and attempt log (every workspace), in
 * batches so no transaction grows large. Events hold sealed payloads that may carry message bodies: they
 * are kept only as long as the delivery log is useful. Returns the number of events deleted.
 */
export async function purgeWebhookLog(db: TDb, o: { before: Date }): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await withSystemTx(db, (tx) =>
      rows<{ id: string }>(
        tx,
        sql`delete from webhook_events where id in (
          select id from webhook_events where created_at < ${o.before.toISOString()}::timestamptz limit ${BATCH})
        returning id`,
      ),
    );
    total += deleted.length;
    if (deleted.length < BATCH) return total;
  }
}
