import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { messageColumns, type TMessageDbRow } from "./message-row.js";
import type { TMessageStatus } from "./messaging.types.js";

export interface TListMessagesFilter {
  status?: TMessageStatus | undefined;
  brandId?: string | undefined;
  contactId?: string | undefined;
  channel?: string | undefined;
}

/** Newest first; the cursor is the last id of the previous page. Fetches limit + 1 to know if more exist. */
export function listMessages(
  tx: TTx,
  o: { workspaceId: string; limit: number; cursor?: string | undefined; filter: TListMessagesFilter },
): Promise<TMessageDbRow[]> {
  const f = o.filter;
  return rows<TMessageDbRow>(
    tx,
    sql`select ${messageColumns} from messages
      where workspace_id = ${o.workspaceId}
        ${o.cursor !== undefined ? sql`and id < ${o.cursor}` : sql``}
        ${f.status !== undefined ? sql`and status = ${f.status}` : sql``}
        ${f.brandId !== undefined ? sql`and brand_id = ${f.brandId}` : sql``}
        ${f.contactId !== undefined ? sql`and contact_id = ${f.contactId}` : sql``}
        ${f.channel !== undefined ? sql`and channel = ${f.channel}` : sql``}
      order by id desc limit ${o.limit + 1}`,
  );
}
