import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { channelAccountColumns, type TChannelAccountDbRow, toChannelAccount } from "./channel-account-row.js";
import type { TChannelAccountRow } from "./messaging.types.js";

/** Senders of a workspace (active and disabled), by id; fetches limit + 1. */
export async function listChannelAccounts(
  tx: TTx,
  o: { workspaceId: string; limit: number; cursor?: string | undefined; brandId?: string | undefined },
): Promise<TChannelAccountRow[]> {
  const found = await rows<TChannelAccountDbRow>(
    tx,
    sql`select ${channelAccountColumns} from channel_accounts where workspace_id = ${o.workspaceId}
      ${o.cursor !== undefined ? sql`and id > ${o.cursor}` : sql``}
      ${o.brandId !== undefined ? sql`and brand_id = ${o.brandId}` : sql``}
      order by id limit ${o.limit + 1}`,
  );
  return found.map(toChannelAccount);
}
