import { sql } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { forgetChannelAccounts } from "./channel-account-cache.js";
import { failDisabledSenderMessages } from "./fail-disabled-sender-messages.js";

/**
 * Disable a sender: it sends nothing more, and its queued and scheduled messages fail with
 * `channel_account_disabled` in the same transaction (failDisabledSenderMessages: webhooks and Twilio
 * StatusCallbacks included). Returns false when it does not exist here.
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
  const failed = await failDisabledSenderMessages(tx, {
    channelAccountIds: [o.channelAccountId],
    now: o.now,
  });
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: o.actor,
    action: "channel_account.disabled",
    targetType: "channel_account",
    targetId: o.channelAccountId,
    requestId: o.requestId,
    details: { failedMessages: failed },
  });
  forgetChannelAccounts(o.workspaceId);
  return { found: true, failedMessages: failed };
}
