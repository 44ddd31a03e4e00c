import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { channelAccountColumns, type TChannelAccountDbRow, toChannelAccount } from "./channel-account-row.js";
import type { TChannelAccountRow } from "./messaging.types.js";

/** A sender of the workspace, or undefined (never another workspace's). */
export async function getChannelAccount(
  tx: TTx,
  o: { workspaceId: string; channelAccountId: string },
): Promise<TChannelAccountRow | undefined> {
  const found = await rows<TChannelAccountDbRow>(
    tx,
    sql`select ${channelAccountColumns} from channel_accounts where workspace_id = ${o.workspaceId} and id = ${o.channelAccountId}`,
  );
  return found[0] ? toChannelAccount(found[0]) : undefined;
}
