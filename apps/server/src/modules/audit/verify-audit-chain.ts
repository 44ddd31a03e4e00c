import { sql } from "drizzle-orm";
import { auditCanonical, chainHash, GENESIS_HASH } from "../../core/audit.js";
import type { TDb } from "../../core/db/client.js";
import { rows, withSystemTx } from "../../core/db/tx.js";

export interface TChainBreak {
  workspaceId: string;
  seq: number;
  reason: "hash_mismatch" | "prev_hash_mismatch" | "missing_row" | "head_mismatch";
}

export interface TAuditVerification {
  workspaces: number;
  events: number;
  ok: boolean;
  /** The first broken link of each broken workspace chain. */
  breaks: TChainBreak[];
}

interface TRow {
  workspace_id: string;
  seq: number;
  id: string;
  at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  details: unknown;
  prev_hash: string;
  hash: string;
}

/** Recompute every workspace's hash chain and report the first link that does not hold. */
export async function verifyAuditChain(
  db: TDb,
  options: { workspaceId?: string } = {},
): Promise<TAuditVerification> {
  return withSystemTx(db, async (tx) => {
    const heads = await rows<{ workspace_id: string; seq: number; hash: string }>(
      tx,
      options.workspaceId
        ? sql`select workspace_id, seq, hash from audit_heads where workspace_id = ${options.workspaceId}`
        : sql`select workspace_id, seq, hash from audit_heads order by workspace_id`,
    );
    const breaks: TChainBreak[] = [];
    let events = 0;
    for (const head of heads) {
      let prev = GENESIS_HASH;
      let expectedSeq = 1;
      let broken: TChainBreak | undefined;
      let after = 0;
      for (;;) {
        const batch = await rows<TRow>(
          tx,
          sql`select * from audit_log where workspace_id = ${head.workspace_id} and seq > ${after} order by seq limit 5000`,
        );
        if (batch.length === 0) break;
        for (const r of batch) {
          const seq = Number(r.seq);
          events += 1;
          after = seq;
          if (broken) continue;
          if (seq !== expectedSeq)
            broken = { workspaceId: head.workspace_id, seq: expectedSeq, reason: "missing_row" };
          else if (r.prev_hash !== prev)
            broken = { workspaceId: head.workspace_id, seq, reason: "prev_hash_mismatch" };
          else {
            const at = r.at instanceof Date ? r.at : new Date(String(r.at));
            const recomputed = chainHash(
              prev,
              auditCanonical({
                seq,
                id: r.id,
                at: at.toISOString(),
                actorType: r.actor_type,
                actorId: r.actor_id,
                action: r.action,
                targetType: r.target_type,
                targetId: r.target_id,
                requestId: r.request_id,
                details: r.details,
              }),
            );
            if (recomputed !== r.hash)
              broken = { workspaceId: head.workspace_id, seq, reason: "hash_mismatch" };
          }
          prev = r.hash;
          expectedSeq = seq + 1;
        }
      }
      if (!broken && (Number(head.seq) !== expectedSeq - 1 || head.hash !== prev)) {
        broken = {
          workspaceId: head.workspace_id,
          seq: expectedSeq,
          reason: Number(head.seq) > expectedSeq - 1 ? "missing_row" : "head_mismatch",
        };
      }
      if (broken) breaks.push(broken);
    }
    return { workspaces: heads.length, events, ok: breaks.length === 0, breaks };
  });
}
