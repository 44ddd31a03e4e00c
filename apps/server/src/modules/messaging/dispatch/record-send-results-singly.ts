import { sql } from "drizzle-orm";
import type { TDb } from "../../../core/db/client.js";
import { rows, sqlState, type TTx, withSystemTx } from "../../../core/db/tx.js";
import { recordStatusEffects } from "../status-effects.js";
import {
  inClaim,
  recordFailureEffects,
  recordSendResults,
  type TSendResultItem,
} from "./record-send-results.js";

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

/** What a dead letter keeps of its result, besides its status and reason. */
interface TKept {
  /** The provider's error code (never its message). */
  errorCode: boolean;
  /** What a failure says about the recipient: a provider opt-out, an unreachable mark (recordFailureEffects). */
  effects: boolean;
}

/**
 * The dead letters to try for a result, most kept first, each tried when the one before it was refused for
 * its data: everything that can be kept, then without the provider's code, then nothing. A provider
 * opt-out is thus recorded whenever the database takes it, whatever provider text it refused.
 */
function deadLetters(item: TSendResultItem): TKept[] {
  const code = item.kind !== "sent" && item.errorCode !== null;
  const effects = item.kind === "failed" && item.unknown !== true;
  const out: TKept[] = [];
  if (code) out.push({ errorCode: true, effects });
  if (effects) out.push({ errorCode: false, effects: true });
  out.push({ errorCode: false, effects: false });
  return out;
}

/**
 * The result's message as a dead letter, without the provider's message text (nor its code, unless
 * `kept.errorCode`): `failed` with reason `send_result_unrecordable`, or `unknown` when the provider has
 * (or may have) the message, since then it must never be sent again (reconciled from status webhooks like
 * any `unknown` message). Like the result itself, it applies only while the message is in the result's
 * claim (inClaim); a `sent` to any `sending` or `unknown` message (see recordSent).
 */
async function deadLetter(tx: TTx, item: TSendResultItem, now: Date, kept: TKept): Promise<void> {
  const status =
    item.kind === "sent" || (item.kind === "failed" && item.unknown === true) ? "unknown" : "failed";
  const errorCode = kept.errorCode && item.kind !== "sent" ? item.errorCode : null;
  const where =
    item.kind === "sent"
      ? sql`m.status in ('sending', 'unknown')`
      : inClaim({
          holder: sql`${item.claim.holder}::text`,
          attempts: sql`${item.claim.attempts}::int`,
          orUnknown: item.kind === "failed",
        });
  const found = await rows<{
    workspace_id: string;
    status_callback_url: string | null;
    callback_key_id: string | null;
  }>(
    tx,
    sql`update messages m set status = ${status}, reason = ${UNRECORDABLE_REASON}, error_code = ${errorCode},
        error_message = null, due_at = null, lease_until = null, lease_holder = null, updated_at = now()
      where m.id = ${item.id} and ${where}
      returning m.workspace_id, m.status_callback_url, m.callback_key_id`,
  );
  if (found.length > 0 && kept.effects && item.kind === "failed") await recordFailureEffects(tx, item, now);
  await recordStatusEffects(
    tx,
    found.map((r) => ({
      workspaceId: r.workspace_id,
      messageId: item.id,
      status,
      event: status,
      at: now,
      reason: UNRECORDABLE_REASON,
      errorCode,
      statusCallbackUrl: r.status_callback_url,
      callbackKeyId: r.callback_key_id,
      details: { result: item.kind, ...(errorCode ? { errorCode } : {}) },
    })),
    now,
  );
}

/**
 * After a batch of send results failed to record: record them one transaction each, in order. A result
 * the database refuses for its data (class 22 / 23) becomes a dead letter (deadLetter above, keeping what
 * the database takes: deadLetters), so one bad result never holds back the others. At the first other
 * failure (the database is away) it stops: that result and the rest are answered in `left`, to be tried
 * again.
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
    let recorded = false;
    for (const kept of deadLetters(item)) {
      try {
        await withSystemTx(db, (tx) => deadLetter(tx, item, now, kept));
        recorded = true;
        break;
      } catch (error) {
        if (!isDataError(error)) {
          out.left = items.slice(n);
          return out;
        }
      }
    }
    if (recorded) out.deadLettered.push(item.id);
    else out.abandoned.push(item.id);
  }
  return out;
}
