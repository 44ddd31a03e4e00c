import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../../core/db/tx.js";
import type { TWorkspaceKeys } from "../../../core/keyring.js";
import { messageColumns, type TMessageDbRow } from "../message-row.js";
import { loadTwilioMessages, type TStoredTwilioMessage } from "./load-twilio-messages.js";

export interface TTwilioListFilter {
  /**
   * The recipient: the contacts holding the address narrow the read, the message's own recipient (its
   * address normalised as each channel writes it, without `whatsapp:`) decides.
   */
  to?: { contactIds: string[]; addresses: string[]; whatsapp: boolean } | undefined;
  /** The senders `From` names. */
  senderIds?: string[] | undefined;
  /** Sent at or after. */
  sentFrom?: Date | undefined;
  /** Sent before. */
  sentBefore?: Date | undefined;
  /** Sent at or before. */
  sentUntil?: Date | undefined;
}

/** Rows read per statement while looking for the messages sent to one address (their recipient is sealed). */
const SCAN_BATCH = 200;

function page(
  tx: TTx,
  o: { workspaceId: string; filter: TTwilioListFilter; cursor: string | undefined; limit: number },
): Promise<TMessageDbRow[]> {
  const f = o.filter;
  return rows<TMessageDbRow>(
    tx,
    sql`select ${messageColumns} from messages
      where workspace_id = ${o.workspaceId} and twilio_sid is not null
        ${o.cursor !== undefined ? sql`and id < ${o.cursor}` : sql``}
        ${f.senderIds !== undefined ? sql`and channel_account_id = any(${sql.param(f.senderIds)}::text[])` : sql``}
        ${f.to !== undefined ? sql`and contact_id = any(${sql.param(f.to.contactIds)}::text[])` : sql``}
        ${f.to !== undefined ? (f.to.whatsapp ? sql`and channel = 'whatsapp'` : sql`and channel <> 'whatsapp'`) : sql``}
        ${f.sentFrom !== undefined ? sql`and sent_at >= ${f.sentFrom}` : sql``}
        ${f.sentBefore !== undefined ? sql`and sent_at < ${f.sentBefore}` : sql``}
        ${f.sentUntil !== undefined ? sql`and sent_at <= ${f.sentUntil}` : sql``}
      order by id desc limit ${o.limit}`,
  );
}

/**
 * The messages sent through the Twilio-compatible endpoint, newest first, filtered as Twilio's list
 * filters (To, From, DateSent); `limit + 1` of them so the caller can tell whether a next page exists.
 * The cursor is the last id of the previous page.
 */
export async function listTwilioMessages(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: { workspaceId: string; filter: TTwilioListFilter; cursor?: string | undefined; limit: number },
): Promise<TStoredTwilioMessage[]> {
  const wanted = o.limit + 1;
  const to = o.filter.to;
  if (to === undefined) {
    const found = await page(tx, { ...o, cursor: o.cursor, limit: wanted });
    return loadTwilioMessages(tx, keys, o.workspaceId, found);
  }
  const out: TStoredTwilioMessage[] = [];
  const batch = Math.max(wanted, SCAN_BATCH);
  let cursor = o.cursor;
  for (;;) {
    const found = await page(tx, { ...o, cursor, limit: batch });
    for (const item of await loadTwilioMessages(tx, keys, o.workspaceId, found)) {
      // The contact's messages to this address, not to its other ones.
      if (item.to === undefined || !to.addresses.includes(item.to)) continue;
      out.push(item);
      if (out.length === wanted) return out;
    }
    const last = found[found.length - 1];
    if (found.length < batch || !last) return out;
    cursor = last.id;
  }
}
