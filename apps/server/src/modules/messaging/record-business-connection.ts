import { sql } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";

/**
 * Telegram Business: a business account connected the bot, changed its rights or disconnected it. The
 * latest report wins (an older one arriving late changes nothing). Replies to customers who wrote through
 * the connection use it only while it is enabled (claim-messages.ts). The business user's chat id (their
 * Telegram user id) is not kept: nothing needs it (migration 0352).
 */
export async function recordBusinessConnection(
  tx: TTx,
  o: {
    workspaceId: string;
    channelAccountId: string;
    businessConnectionId: string;
    enabled: boolean;
    canReply: boolean;
    at: Date;
  },
): Promise<void> {
  await tx.execute(sql`insert into telegram_business_connections (workspace_id, channel_account_id,
      business_connection_id, enabled, can_reply, changed_at)
    values (${o.workspaceId}, ${o.channelAccountId}, ${o.businessConnectionId}, ${o.enabled}, ${o.canReply}, ${o.at})
    on conflict (channel_account_id, business_connection_id) do update set enabled = excluded.enabled,
      can_reply = excluded.can_reply, changed_at = excluded.changed_at
    where telegram_business_connections.changed_at <= excluded.changed_at`);
}
