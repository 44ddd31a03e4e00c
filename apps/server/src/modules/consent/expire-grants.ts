import { type SQL, sql } from "drizzle-orm";
import type { TActor } from "../../core/audit.js";
import type { TAppContext } from "../../core/context.js";
import { rows, type TTx, withSystemTx, withWorkspaceTx } from "../../core/db/tx.js";
import { appendLedgerEntries, type TNewLedgerEntry } from "./append-ledger-entries.js";
import type { TExpiryReason } from "./consent.types.js";
import { toDate, toMaybeDate } from "./ledger-entry.js";
import { lockConsentHead } from "./lock-consent-head.js";

const system: TActor = { type: "system", id: null };
const DEFAULT_BATCH = 100;

interface TDueRow {
  id: string;
  brand_id: string;
  status: string;
  effective_at: Date | string;
  expires_at: Date | string | null;
  confirm_by: Date | string | null;
}

/**
 * Grants of one workspace that lapsed by `at` and have no expire entry yet. The expression is the one
 * migration 0270 indexes (consent_grants_expiry_due): the earlier of expires_at and, while pending, confirm_by.
 * A grant that already has an expire entry is skipped even if the projection lost track of it (verify reports
 * that), so the sweep never stalls on the unique index.
 */
const due = (workspaceId: string, at: Date): SQL =>
  sql`g.workspace_id = ${workspaceId} and g.expired_entry_id is null and g.status <> 'withdrawn'
    and least(g.expires_at, case when g.status = 'pending' then g.confirm_by end) <= ${at}
    and not exists (select 1 from consent_ledger l where l.workspace_id = g.workspace_id and l.kind = 'expire' and l.ref_id = g.id)`;

/** The expire entry of a lapsed grant: at its own expiry instant, with why it lapsed. */
function expireEntry(g: TDueRow): TNewLedgerEntry & { effectiveAt: Date } {
  const expiresAt = toMaybeDate(g.expires_at);
  const confirmBy = g.status === "pending" ? toMaybeDate(g.confirm_by) : null;
  const lapsed = confirmBy !== null && (expiresAt === null || confirmBy.getTime() < expiresAt.getTime());
  const reason: TExpiryReason = lapsed ? "confirmation_lapsed" : "expired";
  const instant = lapsed ? confirmBy : expiresAt;
  return {
    brandId: g.brand_id,
    kind: "expire",
    refId: g.id,
    method: "expiry",
    evidence: { reason },
    effectiveAt: instant ?? toDate(g.effective_at),
  };
}

/** One batch of one workspace, in one transaction: returns how many grants were due and how many it expired. */
async function expireBatch(
  tx: TTx,
  workspaceId: string,
  at: Date,
  limit: number,
): Promise<{ due: number; expired: number }> {
  const found = await rows<{ contact_id: string }>(
    tx,
    sql`select g.contact_id from consent_grants g where ${due(workspaceId, at)} order by g.contact_id limit ${limit}`,
  );
  // Heads are locked in contact order (as dispatch decisions take them), so concurrent sweeps never deadlock.
  const contacts = [...new Set(found.map((r) => r.contact_id))].sort();
  let expired = 0;
  for (const contactId of contacts) {
    const head = await lockConsentHead(tx, { workspaceId, contactId });
    // Read again under the head lock: a sweep that got here first has committed its expire entries.
    const grants = await rows<TDueRow>(
      tx,
      sql`select g.id, g.brand_id, g.status, g.effective_at, g.expires_at, g.confirm_by from consent_grants g
        where ${due(workspaceId, at)} and g.contact_id = ${contactId} order by g.id`,
    );
    const entries = grants.map(expireEntry).sort((a, b) => a.effectiveAt.getTime() - b.effectiveAt.getTime());
    if (entries.length === 0) continue;
    await appendLedgerEntries(tx, head, { entries, actor: system, at });
    expired += entries.length;
  }
  return { due: found.length, expired };
}

/**
 * The expiry sweep: append an `expire` entry (actor system, at the grant's own expiry instant, reason
 * `expired` or `confirmation_lapsed`) for every grant whose expiresAt passed, or whose double opt-in window
 * lapsed unconfirmed, and that has none yet; the projection and the audit log move in the same transaction.
 * Per workspace under row-level security, in batches; safe to run twice or concurrently (the head lock, then
 * a unique index, allow one expire entry per grant). Decisions never wait for it: they judge expiry by time.
 */
export async function expireGrants(
  ctx: Pick<TAppContext, "db" | "clock" | "logger">,
  o: { workspaceId?: string; batchSize?: number; at?: Date; signal?: AbortSignal } = {},
): Promise<{ expired: number; workspaces: number }> {
  const at = o.at ?? ctx.clock();
  const limit = o.batchSize ?? DEFAULT_BATCH;
  const workspaces = o.workspaceId
    ? [o.workspaceId]
    : (
        await withSystemTx(ctx.db, (tx) =>
          rows<{ workspace_id: string }>(
            tx,
            sql`select distinct workspace_id from consent_grants where expired_entry_id is null and status <> 'withdrawn'
              and least(expires_at, case when status = 'pending' then confirm_by end) <= ${at} order by workspace_id`,
          ),
        )
      ).map((r) => r.workspace_id);
  let expired = 0;
  for (const workspaceId of workspaces) {
    for (;;) {
      o.signal?.throwIfAborted();
      const batch = await withWorkspaceTx(ctx.db, workspaceId, (tx) =>
        expireBatch(tx, workspaceId, at, limit),
      );
      expired += batch.expired;
      if (batch.due < limit) break;
    }
  }
  if (expired > 0)
    ctx.logger.info({ expired, workspaces: workspaces.length }, "consent expiry sweep wrote expire entries");
  return { expired, workspaces: workspaces.length };
}
