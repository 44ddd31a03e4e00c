import { sql } from "drizzle-orm";
import type { TDb } from "../../../core/db/client.js";
import { rows, type TTx, withSystemTx } from "../../../core/db/tx.js";

/**
 * How long a delivered or given-up StatusCallback is kept (from when it was queued): 30 days, as long as
 * the customer webhooks' delivery log (webhooks/webhook-options.ts, DEFAULT_LOG_RETENTION_MS).
 */
export const TWILIO_CALLBACK_RETENTION_MS = 30 * 86_400_000;

const BATCH = 5_000;

/** Delete batches of `statement` (answering `n`, the rows it deleted) until one comes back short. */
async function inBatches(db: TDb, batch: number, statement: (tx: TTx) => Promise<{ n: number }[]>) {
  let total = 0;
  for (;;) {
    const n = (await withSystemTx(db, statement))[0]?.n ?? 0;
    total += n;
    if (n < batch) return total;
  }
}

/**
 * The retention of Twilio-compatible StatusCallbacks (every workspace), in batches:
 *  - callbacks delivered or given up on, queued more than `retentionMs` ago, are deleted (pending ones are
 *    kept however old: they still need their row);
 *  - the sealed API key secrets that sign them are deleted once their key can no longer sign: revoked
 *    (revocation deletes it at once, migration 0358; this catches any left), expired or gone. A live key's
 *    secret is kept: its pending callbacks, and those of its messages still queued, scheduled or waiting
 *    for a status, need it.
 * Rows another purge holds are skipped (SKIP LOCKED), so several purges at once neither wait nor fail.
 * Returns how many callbacks and keys were deleted.
 */
export async function purgeTwilioCallbacks(
  db: TDb,
  o: { now?: Date; retentionMs?: number; batch?: number } = {},
): Promise<{ callbacks: number; keys: number }> {
  const now = o.now ?? new Date();
  const before = new Date(now.getTime() - (o.retentionMs ?? TWILIO_CALLBACK_RETENTION_MS));
  const batch = o.batch ?? BATCH;
  const callbacks = await inBatches(db, batch, (tx) =>
    rows<{ n: number }>(
      tx,
      sql`with old as (
          select id from twilio_status_callbacks
          where (delivered_at is not null or next_attempt_at = 'infinity'::timestamptz) and created_at < ${before}
          order by created_at limit ${batch} for update skip locked
        ), gone as (
          delete from twilio_status_callbacks c using old where c.id = old.id returning 1
        )
        select count(*)::int as n from gone`,
    ),
  );
  const keys = await inBatches(db, batch, (tx) =>
    rows<{ n: number }>(
      tx,
      sql`with orphan as (
          select k.api_key_id from twilio_callback_keys k
          where not exists (
            select 1 from api_keys a
            where a.id = k.api_key_id and a.workspace_id = k.workspace_id and a.revoked_at is null
              and (a.expires_at is null or a.expires_at > ${now})
          )
          limit ${batch} for update of k skip locked
        ), gone as (
          delete from twilio_callback_keys k using orphan o where k.api_key_id = o.api_key_id returning 1
        )
        select count(*)::int as n from gone`,
    ),
  );
  return { callbacks, keys };
}
