import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { rows, type TTx } from "./db/tx.js";
import { newId } from "./ids.js";

export interface TActor {
  type: "user" | "api_key" | "system" | "contact" | "provider";
  id: string | null;
}

/** One audit event. Never put personal data in it: ids, actions and counts only. */
export interface TAuditEvent {
  workspaceId: string;
  actor: TActor;
  action: string;
  targetType?: string;
  targetId?: string;
  requestId?: string | undefined;
  details?: Record<string, string | number | boolean | null>;
  at?: Date;
}

export const GENESIS_HASH = "0".repeat(64);

/** Canonical text hashed into the chain (stable key order; what verification recomputes). */
export function auditCanonical(e: {
  seq: number;
  id: string;
  at: string;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  details: unknown;
}): string {
  const details =
    e.details && typeof e.details === "object" ? sortKeys(e.details as Record<string, unknown>) : {};
  return JSON.stringify([
    e.seq,
    e.id,
    e.at,
    e.actorType,
    e.actorId,
    e.action,
    e.targetType,
    e.targetId,
    e.requestId,
    details,
  ]);
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
}

export function chainHash(prevHash: string, canonical: string): string {
  return createHash("sha256").update(prevHash).update(canonical).digest("hex");
}

/**
 * Append audit events inside the caller's transaction (the only writer of the audit log). Events of
 * one workspace are chained through its head row, whose lock serialises concurrent writers.
 */
export async function recordAudit(tx: TTx, events: TAuditEvent | TAuditEvent[]): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  const byWorkspace = new Map<string, TAuditEvent[]>();
  for (const e of list) {
    const l = byWorkspace.get(e.workspaceId) ?? [];
    l.push(e);
    byWorkspace.set(e.workspaceId, l);
  }
  for (const [workspaceId, evs] of byWorkspace) {
    // One statement creates the head row if needed and locks it (the row lock serialises writers).
    const head = (
      await rows<{ seq: number; hash: string }>(
        tx,
        sql`insert into audit_heads (workspace_id, seq, hash) values (${workspaceId}, 0, ${GENESIS_HASH})
          on conflict (workspace_id) do update set seq = audit_heads.seq returning seq, hash`,
      )
    )[0];
    if (!head) throw new Error("audit head missing");
    let seq = Number(head.seq);
    let prev = head.hash;
    const cols = {
      seq: [] as number[],
      id: [] as string[],
      at: [] as string[],
      actorType: [] as string[],
      actorId: [] as (string | null)[],
      action: [] as string[],
      targetType: [] as (string | null)[],
      targetId: [] as (string | null)[],
      requestId: [] as (string | null)[],
      details: [] as string[],
      prev: [] as string[],
      hash: [] as string[],
    };
    for (const e of evs) {
      seq += 1;
      const rec = {
        seq,
        id: newId("aud"),
        at: (e.at ?? new Date()).toISOString(),
        actorType: e.actor.type,
        actorId: e.actor.id,
        action: e.action,
        targetType: e.targetType ?? null,
        targetId: e.targetId ?? null,
        requestId: e.requestId ?? null,
        details: e.details ?? {},
      };
      const hash = chainHash(prev, auditCanonical(rec));
      cols.seq.push(seq);
      cols.id.push(rec.id);
      cols.at.push(rec.at);
      cols.actorType.push(rec.actorType);
      cols.actorId.push(rec.actorId);
      cols.action.push(rec.action);
      cols.targetType.push(rec.targetType);
      cols.targetId.push(rec.targetId);
      cols.requestId.push(rec.requestId);
      cols.details.push(JSON.stringify(sortKeys(rec.details)));
      cols.prev.push(prev);
      cols.hash.push(hash);
      prev = hash;
    }
    await tx.execute(sql`with appended as (
        insert into audit_log (workspace_id, seq, id, at, actor_type, actor_id, action, target_type,
          target_id, request_id, details, prev_hash, hash)
        select ${workspaceId}, s, i, a::timestamptz, aty, aid, act, tt, ti, rid, d::jsonb, p, h
        from unnest(${sql.param(cols.seq)}::bigint[], ${sql.param(cols.id)}::text[], ${sql.param(cols.at)}::text[],
          ${sql.param(cols.actorType)}::text[], ${sql.param(cols.actorId)}::text[], ${sql.param(cols.action)}::text[],
          ${sql.param(cols.targetType)}::text[], ${sql.param(cols.targetId)}::text[], ${sql.param(cols.requestId)}::text[],
          ${sql.param(cols.details)}::text[], ${sql.param(cols.prev)}::text[], ${sql.param(cols.hash)}::text[])
          as t(s, i, a, aty, aid, act, tt, ti, rid, d, p, h)
        returning 1)
      update audit_heads set seq = ${seq}, hash = ${prev} where workspace_id = ${workspaceId}`);
  }
}
