import { sql } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";

export interface TTwilioCallbackItem {
  workspaceId: string;
  messageId: string;
  url: string;
  apiKeyId: string;
  /** Our status; mapped to Twilio's MessageStatus at delivery. */
  status: string;
  errorCode?: string | null | undefined;
}

/** Statuses a Twilio StatusCallback reports. */
export const callbackStatuses: ReadonlySet<string> = new Set([
  "sent",
  "delivered",
  "undelivered",
  "failed",
  "read",
]);

/** Queue Twilio-format status callbacks (outbox) in the caller's transaction. */
export async function enqueueTwilioCallbacks(
  tx: TTx,
  items: TTwilioCallbackItem[],
  now: Date,
): Promise<void> {
  const due = items.filter((i) => callbackStatuses.has(i.status));
  if (due.length === 0) return;
  await tx.execute(sql`insert into twilio_status_callbacks (workspace_id, message_id, url, status, error_code, api_key_id,
      next_attempt_at)
    select w, m, u, s, e, k, ${now.toISOString()}::timestamptz
    from unnest(${sql.param(due.map((i) => i.workspaceId))}::text[], ${sql.param(due.map((i) => i.messageId))}::text[],
      ${sql.param(due.map((i) => i.url))}::text[], ${sql.param(due.map((i) => i.status))}::text[],
      ${sql.param(due.map((i) => i.errorCode ?? null))}::text[], ${sql.param(due.map((i) => i.apiKeyId))}::text[])
      as t(w, m, u, s, e, k)`);
}
