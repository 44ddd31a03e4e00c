import { type SQL, sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";

export interface TAuditFilter {
  workspaceId: string;
  action?: string | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
  cursor?: number | undefined;
}

export interface TAuditEventView {
  id: string;
  seq: number;
  at: string;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string | null; id: string | null };
  requestId: string | null;
  details: unknown;
  hash: string;
}

/** Audit events newest first, filtered; the cursor is the sequence number. */
export async function listAuditEvents(tx: TTx, f: TAuditFilter): Promise<TAuditEventView[]> {
  const conds: SQL[] = [sql`workspace_id = ${f.workspaceId}`];
  if (f.action)
    conds.push(
      f.action.endsWith(".*") ? sql`action like ${`${f.action.slice(0, -1)}%`}` : sql`action = ${f.action}`,
    );
  if (f.actorId) conds.push(sql`actor_id = ${f.actorId}`);
  if (f.targetId) conds.push(sql`target_id = ${f.targetId}`);
  if (f.from) conds.push(sql`at >= ${f.from.toISOString()}::timestamptz`);
  if (f.to) conds.push(sql`at < ${f.to.toISOString()}::timestamptz`);
  if (f.cursor !== undefined) conds.push(sql`seq < ${f.cursor}`);
  const found = await rows<{
    id: string;
    seq: number;
    at: Date | string;
    actor_type: string;
    actor_id: string | null;
    action: string;
    target_type: string | null;
    target_id: string | null;
    request_id: string | null;
    details: unknown;
    hash: string;
  }>(
    tx,
    sql`select id, seq, at, actor_type, actor_id, action, target_type, target_id, request_id, details, hash
      from audit_log where ${sql.join(conds, sql` and `)} order by seq desc limit ${f.limit + 1}`,
  );
  return found.map((r) => ({
    id: r.id,
    seq: Number(r.seq),
    at: new Date(r.at).toISOString(),
    actor: { type: r.actor_type, id: r.actor_id },
    action: r.action,
    target: { type: r.target_type, id: r.target_id },
    requestId: r.request_id,
    details: r.details,
    hash: r.hash,
  }));
}
