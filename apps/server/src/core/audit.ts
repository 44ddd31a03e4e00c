import { hash } from "node:crypto";
import { type SQL, sql } from "drizzle-orm";
import { beforeCommit, rows, type TTx } from "./db/tx.js";
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

interface TAuditRecord {
  id: string;
  at: string;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

/**
 * The canonical text of an event after its sequence number: `auditCanonical` is `[` + seq + `,` + this.
 * The database chains a batch with it (assent_audit_append), so the text is built in one place only.
 */
function canonicalRest(e: Omit<TAuditRecord, "details"> & { details: unknown }): string {
  const details =
    e.details && typeof e.details === "object" ? sortKeys(e.details as Record<string, unknown>) : {};
  return JSON.stringify([
    e.id,
    e.at,
    e.actorType,
    e.actorId,
    e.action,
    e.targetType,
    e.targetId,
    e.requestId,
    details,
  ]).slice(1);
}

/** Canonical text hashed into the chain (stable key order; what verification recomputes). */
export function auditCanonical(e: Omit<TAuditRecord, "details"> & { seq: number; details: unknown }): string {
  return `[${e.seq},${canonicalRest(e)}`;
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
}

export function chainHash(prevHash: string, canonical: string): string {
  return hash("sha256", prevHash + canonical, "hex");
}

/** Ids and times are fixed when the event is recorded. */
function toRecord(e: TAuditEvent): TAuditRecord {
  return {
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
}

/** Events waiting in a transaction for its commit (see recordAudit). */
const pending = new WeakMap<TTx, { workspaceId: string; record: TAuditRecord }[]>();

/**
 * Append audit events inside the caller's transaction (the only writer of the audit log); they commit
 * or roll back with it. In a transaction opened by withWorkspaceTx / withSystemTx the events are kept
 * and written in one statement per workspace right before COMMIT, so the workspace's chain head (whose
 * row lock serialises writers, the chain being linear) is held only for that statement and the commit,
 * not for the whole transaction. Elsewhere (a savepoint, a bare db.transaction) they are written at once.
 * Ids and times are fixed when the event is recorded.
 */
export async function recordAudit(tx: TTx, events: TAuditEvent | TAuditEvent[]): Promise<void> {
  const list = (Array.isArray(events) ? events : [events]).map((e) => ({
    workspaceId: e.workspaceId,
    record: toRecord(e),
  }));
  if (list.length === 0) return;
  const waiting = pending.get(tx);
  if (waiting) {
    waiting.push(...list);
    return;
  }
  if (beforeCommit(tx, () => flushAudit(tx))) {
    pending.set(tx, list);
    return;
  }
  await appendAudit(tx, list);
}

async function flushAudit(tx: TTx): Promise<void> {
  const list = pending.get(tx) ?? [];
  pending.delete(tx);
  await appendAudit(tx, list);
}

/** One statement per workspace, workspaces in one order (concurrent multi-workspace writers never deadlock). */
async function appendAudit(tx: TTx, list: { workspaceId: string; record: TAuditRecord }[]): Promise<void> {
  const byWorkspace = new Map<string, TAuditRecord[]>();
  for (const e of list) {
    const l = byWorkspace.get(e.workspaceId) ?? [];
    l.push(e.record);
    byWorkspace.set(e.workspaceId, l);
  }
  for (const workspaceId of [...byWorkspace.keys()].sort()) {
    const statement = appendStatement(workspaceId, byWorkspace.get(workspaceId) ?? []);
    const [head] = await rows<TAuditAppendHead>(tx, statement.query);
    statement.verify(head);
  }
}

/** What assent_audit_append answers: the head it started from and the new head's hash. */
export interface TAuditAppendHead {
  start_seq: number | string;
  start_hash: string;
  end_hash: string;
}

export interface TAuditAppendStatement {
  /** Appends the events and selects their TAuditAppendHead (one row). */
  query: SQL;
  /** Throws (so the transaction rolls back) unless the database chained the events as computed here. */
  verify(head: TAuditAppendHead | undefined): void;
}

/**
 * Audit events of ONE workspace as a query to embed in the caller's own last statement before COMMIT
 * (a CTE whose row the statement must read, or the CTE is not run), saving the round trip of the
 * commit-time flush. Call `verify` with the row it selected. Only for a statement whose effects the
 * events describe exactly; otherwise use recordAudit.
 *
 * `checkedByDatabase`: for a statement that COMMITs in the same round trip (tx.ts commitWith), where
 * `verify` would come too late to roll back. The database then checks that every event's canonical text
 * arrived as the bytes hashed here (assent_audit_append_checked, core migration 0030) and raises
 * otherwise; given the same bytes it computes the chain `verify` would.
 */
export function auditAppendStatement(
  workspaceId: string,
  events: TAuditEvent[],
  options: { checkedByDatabase?: boolean } = {},
): TAuditAppendStatement {
  if (events.some((e) => e.workspaceId !== workspaceId)) throw new Error("audit events of another workspace");
  return appendStatement(workspaceId, events.map(toRecord), options.checkedByDatabase === true);
}

function appendStatement(workspaceId: string, recs: TAuditRecord[], checked = false): TAuditAppendStatement {
  const rests = recs.map(canonicalRest);
  const col = <T>(f: (r: TAuditRecord) => T): T[] => recs.map(f);
  const fn = checked ? sql`assent_audit_append_checked` : sql`assent_audit_append`;
  const restHashes = checked
    ? sql`, ${sql.param(rests.map((r) => hash("sha256", r, "hex")))}::text[]`
    : sql``;
  return {
    query: sql`select start_seq, start_hash, end_hash from ${fn}(${workspaceId},
        ${sql.param(col((r) => r.id))}::text[], ${sql.param(col((r) => r.at))}::text[],
        ${sql.param(col((r) => r.actorType))}::text[], ${sql.param(col((r) => r.actorId))}::text[],
        ${sql.param(col((r) => r.action))}::text[], ${sql.param(col((r) => r.targetType))}::text[],
        ${sql.param(col((r) => r.targetId))}::text[], ${sql.param(col((r) => r.requestId))}::text[],
        ${sql.param(col((r) => JSON.stringify(sortKeys(r.details))))}::text[], ${sql.param(rests)}::text[]${restHashes})`,
    verify(head) {
      if (!head) throw new Error("audit append returned no head");
      // The database chained the events; recompute the chain here and refuse (roll back) on any difference.
      let seq = Number(head.start_seq);
      let hash = head.start_hash;
      for (const rest of rests) {
        seq += 1;
        hash = chainHash(hash, `[${seq},${rest}`);
      }
      if (hash !== head.end_hash) throw new Error("audit chain hash computed by the database differs");
    },
  };
}
