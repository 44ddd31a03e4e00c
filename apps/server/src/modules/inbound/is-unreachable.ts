import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";

/** True when the contact blocked this channel account (Telegram bot) and has not unblocked it since. */
export async function isUnreachable(
  tx: TTx,
  o: { workspaceId: string; channelAccountId: string; contactId: string },
): Promise<boolean> {
  const found = await rows<{ unreachable: boolean }>(
    tx,
    sql`select unreachable from channel_reachability
        where workspace_id = ${o.workspaceId} and channel_account_id = ${o.channelAccountId} and contact_id = ${o.contactId}`,
  );
  return found[0]?.unreachable === true;
}
