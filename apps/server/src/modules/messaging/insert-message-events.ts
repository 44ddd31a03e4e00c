import { sql } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";

/** Timeline entry types (see presentTimeline for how `accepted` and `claimed` expand). */
export type TMessageEventType =
  | "accepted"
  | "claimed"
  | "scheduled"
  | "suppressed"
  | "sent"
  | "delivered"
  | "read"
  | "failed"
  | "undelivered"
  | "unknown"
  | "requeued"
  | "retry_scheduled";

export interface TMessageEventRow {
  workspaceId: string;
  messageId: string;
  type: TMessageEventType;
  at: Date;
  reason?: string | null | undefined;
  /** Ids, codes and counts only: never bodies or addresses. */
  details?: Record<string, unknown> | undefined;
}

/** Append timeline events in one statement. */
export async function insertMessageEvents(tx: TTx, events: TMessageEventRow[]): Promise<void> {
  if (events.length === 0) return;
  const ws: string[] = [];
  const ids: string[] = [];
  const types: string[] = [];
  const ats: string[] = [];
  const reasons: (string | null)[] = [];
  const details: (string | null)[] = [];
  for (const e of events) {
    ws.push(e.workspaceId);
    ids.push(e.messageId);
    types.push(e.type);
    ats.push(e.at.toISOString());
    reasons.push(e.reason ?? null);
    details.push(e.details === undefined ? null : JSON.stringify(e.details));
  }
  await tx.execute(sql`insert into message_events (workspace_id, message_id, type, at, reason, details)
    select w, m, t, a::timestamptz, r, d::jsonb
    from unnest(${sql.param(ws)}::text[], ${sql.param(ids)}::text[], ${sql.param(types)}::text[], ${sql.param(ats)}::text[],
      ${sql.param(reasons)}::text[], ${sql.param(details)}::text[]) as x(w, m, t, a, r, d)`);
}
