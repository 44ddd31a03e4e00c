import { sql } from "drizzle-orm";
import type { TDb } from "./db/client.js";
import { rows, withSystemTx } from "./db/tx.js";

/** How long an Idempotency-Key's answer is kept for replays (as Stripe and Twilio do: a day). */
export const IDEMPOTENCY_KEY_RETENTION_MS = 24 * 3_600_000;

/**
 * Delete the answers kept for Idempotency-Key replays once they are older than the retention, in
 * batches: a retry after that is a new request. Returns how many were deleted.
 */
export async function purgeIdempotencyKeys(
  db: TDb,
  o: { now?: Date; retentionMs?: number; batch?: number } = {},
): Promise<number> {
  const before = new Date((o.now ?? new Date()).getTime() - (o.retentionMs ?? IDEMPOTENCY_KEY_RETENTION_MS));
  let total = 0;
  for (;;) {
    const gone = await withSystemTx(db, (tx) =>
      rows<{ n: number }>(
        tx,
        sql`with old as (
            select workspace_id, key from idempotency_keys where created_at < ${before}
            limit ${o.batch ?? 5_000}
          ), gone as (
            delete from idempotency_keys k using old where k.workspace_id = old.workspace_id and k.key = old.key
            returning 1
          )
          select count(*)::int as n from gone`,
      ),
    );
    const n = gone[0]?.n ?? 0;
    total += n;
    if (n < (o.batch ?? 5_000)) return total;
  }
}
