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

/**
 * Statuses a Twilio StatusCallback reports. `suppressed` (an opt-out or a refusal after the message was
 * accepted) is reported as Twilio reports a refusal: `failed` with its error code (21610 for an opt-out).
 */
export const callbackStatuses: ReadonlySet<string> = new Set([
  "sent",
  "delivered",
  "undelivered",
  "failed",
  "read",
  "suppressed",
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
    -- Behind an earlier callback of the same message that failed and waits for its retry: due with it
    -- (delivered in order per message; deliver-twilio-callbacks.ts).
    select w, m, u, s, e, k, greatest(${now.toISOString()}::timestamptz, (
        select max(x.next_attempt_at) from twilio_status_callbacks x
        where x.message_id = t.m and x.delivered_at is null and x.last_error is not null
          and x.next_attempt_at <> 'infinity'::timestamptz))
    from unnest(${sql.param(due.map((i) => i.workspaceId))}::text[], ${sql.param(due.map((i) => i.messageId))}::text[],
      ${sql.param(due.map((i) => i.url))}::text[], ${sql.param(due.map((i) => i.status))}::text[],
      ${sql.param(due.map((i) => i.errorCode ?? null))}::text[], ${sql.param(due.map((i) => i.apiKeyId))}::text[])
      as t(w, m, u, s, e, k)`);
}
