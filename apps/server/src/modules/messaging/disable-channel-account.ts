import { sql } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { forgetChannelAccounts } from "./channel-account-cache.js";
import { insertMessageEvents } from "./insert-message-events.js";

/**
 * Disable a sender: it sends nothing more, and its queued and scheduled messages fail with
 * `channel_account_disabled` in the same transaction. Returns false when it does not exist here.
 */
export async function disableChannelAccount(
  tx: TTx,
  o: {
    workspaceId: string;
    channelAccountId: string;
    actor: TActor;
    requestId?: string | undefined;
    now: Date;
  },
): Promise<{ found: boolean; failedMessages: number }> {
  const updated = await rows<{ id: string }>(
    tx,
    sql`update channel_accounts set status = 'disabled', disabled_at = coalesce(disabled_at, ${o.now})
      where workspace_id = ${o.workspaceId} and id = ${o.channelAccountId} returning id`,
  );
  if (updated.length === 0) return { found: false, failedMessages: 0 };
  const failed = await rows<{ id: string }>(
    tx,
    sql`update messages set status = 'failed', reason = 'channel_account_disabled', due_at = null, updated_at = ${o.now}
      where channel_account_id = ${o.channelAccountId} and workspace_id = ${o.workspaceId}
        and status in ('queued', 'scheduled') and due_at is not null returning id`,
  );
  await insertMessageEvents(
    tx,
    failed.map((m) => ({
      workspaceId: o.workspaceId,
      messageId: m.id,
      type: "failed",
      at: o.now,
      reason: "channel_account_disabled",
    })),
  );
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: o.actor,
    action: "channel_account.disabled",
    targetType: "channel_account",
    targetId: o.channelAccountId,
    requestId: o.requestId,
    details: { failedMessages: failed.length },
  });
  forgetChannelAccounts(o.workspaceId);
  return { found: true, failedMessages: failed.length };
}
