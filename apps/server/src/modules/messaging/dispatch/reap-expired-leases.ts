import { sql } from "drizzle-orm";
import { recordAudit } from "../../../core/audit.js";
import type { TDb } from "../../../core/db/client.js";
import { rows, withSystemTx } from "../../../core/db/tx.js";
import { recordStatusEffects } from "../status-effects.js";
import { planWithout } from "./plan-without.js";

/**
 * Crash recovery: a `sending` message whose lease expired was claimed by a worker that died or hung,
 * and the provider may or may not have it. It becomes `unknown` (reconciled later from status
 * webhooks, never blindly resent), unless its adapter declared idempotent sends: then it is queued
 * again, since a resend cannot duplicate.
 */
export async function reapExpiredLeases(
  db: TDb,
  /** limit: expired claims (message_leases rows) taken per sweep; each lists up to a claim batch. */
  o: { limit?: number } = {},
): Promise<{ unknown: number; requeued: number }> {
  return withSystemTx(db, async (tx) => {
    // A claim's lease row lists its messages (migration 0330); each message's own lease
    // (messages.lease_until, taken by its latest claim) decides: a message claimed again since, or
    // recorded, is left alone. Most sweeps find nothing and cost this one small statement.
    const expired = await rows<{ ids: string[] | null }>(
      tx,
      sql`with expired as (
          select id from message_leases where lease_until < now()
          order by lease_until limit ${o.limit ?? 1000} for update skip locked
        ),
        done as (
          delete from message_leases l where l.id in (select id from expired) returning l.message_ids
        )
        select array(select unnest(message_ids) from done) as ids`,
    );
    const ids = expired[0]?.ids ?? [];
    if (ids.length === 0) return { unknown: 0, requeued: 0 };
    // Found by primary key, never by a scan of the whole table (see plan-without.ts).
    const restoreScan = await planWithout(tx, ["enable_seqscan"]);
    const reaped = await rows<{
      id: string;
      workspace_id: string;
      status: "unknown" | "queued";
      status_callback_url: string | null;
      callback_key_id: string | null;
    }>(
      tx,
      sql`with restored as (${restoreScan})
        update messages m set
          status = case when m.idempotent_send then 'queued' else 'unknown' end,
          reason = 'lease_expired',
          -- Queued again in its place (its schedule, else its acceptance): later messages to the same
          -- recipient must not overtake it.
          due_at = case when m.idempotent_send then least(now(), coalesce(m.not_before, m.created_at)) else null end,
          lease_until = null, lease_holder = null, updated_at = now()
        where (select count(*) from restored) = 1 and m.id = any(${sql.param(ids)}::text[])
          and m.status = 'sending' and m.lease_until < now()
        returning m.id, m.workspace_id, m.status, m.status_callback_url, m.callback_key_id`,
    );
    if (reaped.length === 0) return { unknown: 0, requeued: 0 };
    const at = new Date();
    await recordStatusEffects(
      tx,
      reaped.map((r) => ({
        workspaceId: r.workspace_id,
        messageId: r.id,
        status: r.status,
        event: r.status === "unknown" ? "unknown" : "requeued",
        at,
        reason: "lease_expired",
      })),
      at,
    );
    await recordAudit(
      tx,
      reaped
        .map((r) => ({
          workspaceId: r.workspace_id,
          actor: { type: "system" as const, id: null },
          action: r.status === "unknown" ? "message.unknown" : "message.requeued",
          targetType: "message",
          targetId: r.id,
          at,
          details: { reason: "lease_expired" },
        }))
        .sort((a, b) => a.workspaceId.localeCompare(b.workspaceId)),
    );
    const unknown = reaped.filter((r) => r.status === "unknown").length;
    return { unknown, requeued: reaped.length - unknown };
  });
}
