import { sql } from "drizzle-orm";
import type { TDb } from "../../../core/db/client.js";
import { rows, sqlState, type TTx, withSystemTx } from "../../../core/db/tx.js";
import { recordStatusEffects } from "../status-effects.js";
import { recordSendResults, type TSendResultItem } from "./record-send-results.js";

/** The reason of a result that could not be recorded as it was. */
export const UNRECORDABLE_REASON = "send_result_unrecordable";

export interface TSinglyOutcome {
  /** Not tried, or failed for a reason other than its data (the database is away): record later, in this order. */
  left: TSendResultItem[];
  /** Ids of messages whose result was refused by the database and recorded as a dead letter instead. */
  deadLettered: string[];
  /** Ids of messages not even a dead letter could be recorded for: left `sending` for crash recovery. */
  abandoned: string[];
}

/** A data exception (class 22) or an integrity constraint violation (class 23): the same again fails again. */
function isDataError(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && (code.startsWith("22") || code.startsWith("23"));
}

/**
 * The result's message as a dead letter, without anything the provider supplied: `failed` with reason
 * `send_result_unrecordable`, or `unknown` when the provider has (or may have) the message, since then
 * it must never be sent again (reconciled from status webhooks like any `unknown` message).
 */
async function deadLetter(tx: TTx, item: TSendResultItem, now: Date): Promise<void> {
  const status =
    item.kind === "sent" || (item.kind === "failed" && item.unknown === true) ? "unknown" : "failed";
  const found = await rows<{
    workspace_id: string;
    status_callback_url: string | null;
    callback_key_id: string | null;
  }>(
    tx,
    sql`update messages m set status = ${status}, reason = ${UNRECORDABLE_REASON}, error_code = null, error_message = null,
        due_at = null, lease_until = null, lease_holder = null, updated_at = now()
      where m.id = ${item.id} and m.status in ('sending', 'unknown')
      returning m.workspace_id, m.status_callback_url, m.callback_key_id`,
  );
  await recordStatusEffects(
    tx,
    found.map((r) => ({
      workspaceId: r.workspace_id,
      messageId: item.id,
      status,
      event: status,
      at: now,
      reason: UNRECORDABLE_REASON,
      statusCallbackUrl: r.status_callback_url,
      callbackKeyId: r.callback_key_id,
      details: { result: item.kind },
    })),
    now,
  );
}

/**
 * After a batch of send results failed to record: record them one transaction each, in order. A result
 * the database refuses for its data (class 22 / 23) becomes a dead letter (deadLetter above), so one
 * bad result never holds back the others. At the first other failure (the database is away) it stops:
 * that result and the rest are answered in `left`, to be tried again.
 */
export async function recordSendResultsSingly(
  db: TDb,
  items: readonly TSendResultItem[],
  now: Date,
): Promise<TSinglyOutcome> {
  const out: TSinglyOutcome = { left: [], deadLettered: [], abandoned: [] };
  for (let n = 0; n < items.length; n++) {
    const item = items[n];
    if (!item) continue;
    try {
      await withSystemTx(db, (tx) => recordSendResults(tx, [item], now));
      continue;
    } catch (error) {
      if (!isDataError(error)) {
        out.left = items.slice(n);
        return out;
      }
    }
    try {
      await withSystemTx(db, (tx) => deadLetter(tx, item, now));
      out.deadLettered.push(item.id);
    } catch (error) {
      if (!isDataError(error)) {
        out.left = items.slice(n);
        return out;
      }
      out.abandoned.push(item.id);
    }
  }
  return out;
}
