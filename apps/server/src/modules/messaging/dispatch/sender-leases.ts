import { sql } from "drizzle-orm";
import type { TDb } from "../../../core/db/client.js";
import { rows, withSystemTx } from "../../../core/db/tx.js";
import { planWithout } from "./plan-without.js";

export interface TAcquiredLease {
  channelAccountId: string;
  workspaceId: string;
  /** Send times of the previous holder still inside the rate window (its limiter state). */
  recent: number[];
  /** The previous holder's per-recipient next-allowed times. */
  pacing: Record<string, number>;
  /** Until when the sender is paused (epoch ms; 0: not paused): a provider's Retry-After, migration 0349. */
  pausedUntil: number;
}

/** A pause as the lease row keeps it: null when it is over. */
const pauseOf = (until: number | undefined, now: number): Date | null =>
  until !== undefined && until > now ? new Date(until) : null;

/**
 * Take free senders that have due messages: a sender belongs to one worker at a time, which is what
 * makes its rate limit exact across workers. A lease is free when it expired or was released. The
 * senders with due work are found by a loose index scan over the due-message index.
 */
export async function acquireSenderLeases(
  db: TDb,
  o: { holder: string; leaseMs: number; max: number; exclude: readonly string[] },
): Promise<TAcquiredLease[]> {
  if (o.max <= 0) return [];
  // The due-message index is partial on due_at (migration 0330), which the planner, blind under row-level
  // security, would read whole and sort: sorts are off for this statement (see plan-without.ts).
  const found = await withSystemTx(db, async (tx) =>
    rows<{
      channel_account_id: string;
      workspace_id: string;
      recent: unknown;
      pacing: unknown;
      paused_ms: number | null;
    }>(
      tx,
      sql`with recursive restored as (${await planWithout(tx, ["enable_sort"])}),
        due(id) as (
          (select channel_account_id from messages where status in ('queued', 'scheduled') and due_at <= now()
            and (select count(*) from restored) = 1
            order by channel_account_id limit 1)
          union all
          select (select m.channel_account_id from messages m
            where m.status in ('queued', 'scheduled') and m.due_at <= now() and m.channel_account_id > due.id
            order by m.channel_account_id limit 1)
          from due where due.id is not null
        ),
        free as (
          select a.id, a.workspace_id from due join channel_accounts a on a.id = due.id
          left join sender_leases l on l.channel_account_id = a.id
          where due.id is not null and a.status = 'active' and a.id <> all(${sql.param([...o.exclude])}::text[])
            and (l.channel_account_id is null or (l.lease_until <= now() and (l.paused_until is null or l.paused_until <= now())))
          order by random() limit ${o.max}
        )
        insert into sender_leases (channel_account_id, workspace_id, holder, lease_until, acquired_at)
        select id, workspace_id, ${o.holder}, now() + ${o.leaseMs} * interval '1 millisecond', now() from free
        on conflict (channel_account_id) do update
          set holder = excluded.holder, lease_until = excluded.lease_until, acquired_at = excluded.acquired_at
          where sender_leases.lease_until <= now()
        returning channel_account_id, workspace_id, recent, pacing,
          floor(extract(epoch from paused_until) * 1000)::float8 as paused_ms`,
    ),
  );
  return found.map((r) => ({
    channelAccountId: r.channel_account_id,
    workspaceId: r.workspace_id,
    recent: Array.isArray(r.recent) ? r.recent.filter((x): x is number => typeof x === "number") : [],
    pacing: typeof r.pacing === "object" && r.pacing !== null ? (r.pacing as Record<string, number>) : {},
    pausedUntil: r.paused_ms === null ? 0 : Number(r.paused_ms),
  }));
}

/**
 * Extend leases this worker still holds; answers the ones it lost. `pausedUntil` (epoch ms), when given,
 * is written with the renewal: a pause the provider asked for outlives this holder.
 */
export async function renewSenderLeases(
  db: TDb,
  o: {
    holder: string;
    leaseMs: number;
    channelAccountIds: readonly string[];
    pausedUntil?: number | undefined;
  },
): Promise<Set<string>> {
  if (o.channelAccountIds.length === 0) return new Set();
  const pause =
    o.pausedUntil === undefined
      ? sql``
      : sql`, paused_until = ${pauseOf(o.pausedUntil, Date.now())}::timestamptz`;
  const kept = await withSystemTx(db, (tx) =>
    rows<{ channel_account_id: string }>(
      tx,
      sql`update sender_leases set lease_until = now() + ${o.leaseMs} * interval '1 millisecond'${pause}
        where channel_account_id = any(${sql.param([...o.channelAccountIds])}::text[]) and holder = ${o.holder}
          and lease_until > now()
        returning channel_account_id`,
    ),
  );
  const keptIds = new Set(kept.map((r) => r.channel_account_id));
  return new Set(o.channelAccountIds.filter((id) => !keptIds.has(id)));
}

/**
 * Write the limiter state the next holder must respect (send times in the window, per-recipient times,
 * the pause) and, unless `keep`, hand the sender back. Only while this worker is the holder.
 */
export async function releaseSenderLease(
  db: TDb,
  o: {
    holder: string;
    channelAccountId: string;
    recent: number[];
    pacing: Record<string, number>;
    pausedUntil: number;
    /** Keep holding the sender (state written for a successor should this worker die). */
    keep?: boolean;
  },
): Promise<void> {
  await withSystemTx(db, (tx) =>
    tx.execute(sql`update sender_leases set ${o.keep === true ? sql`` : sql`lease_until = now(), `}recent = ${JSON.stringify(o.recent)}::jsonb,
        pacing = ${JSON.stringify(o.pacing)}::jsonb, paused_until = ${pauseOf(o.pausedUntil, Date.now())}::timestamptz
      where channel_account_id = ${o.channelAccountId} and holder = ${o.holder}`),
  );
}
