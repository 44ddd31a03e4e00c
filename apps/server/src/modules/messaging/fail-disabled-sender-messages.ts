import { sql } from "drizzle-orm";
import { recordAudit } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { recordStatusEffects } from "./status-effects.js";

/**
 * Fail the queued and scheduled messages of disabled senders with `channel_account_disabled`, with what
 * every change to `failed` brings (timeline event, `message.failed` webhook, Twilio StatusCallback). The
 * disable itself does it in its transaction (waiting for rows a claim holds); the dispatcher's sweep does
 * it for messages that reached a sender after it was disabled (another process's sender cache, a
 * compliance reply to an inbound message), skipping rows locked elsewhere and auditing each message.
 */
export async function failDisabledSenderMessages(
  tx: TTx,
  o: { channelAccountIds: string[]; now: Date; sweep?: boolean; limit?: number },
): Promise<number> {
  if (o.channelAccountIds.length === 0) return 0;
  const failed = await rows<{
    id: string;
    workspace_id: string;
    status_callback_url: string | null;
    callback_key_id: string | null;
  }>(
    tx,
    sql`with due as (
        select m.id from messages m
        where m.channel_account_id = any(${sql.param(o.channelAccountIds)}::text[]) and m.due_at is not null
          and m.status in ('queued', 'scheduled')
        ${o.limit ? sql`limit ${o.limit}` : sql``}
        for update ${o.sweep ? sql`skip locked` : sql``}
      )
      update messages m set status = 'failed', reason = 'channel_account_disabled', due_at = null,
        updated_at = ${o.now}
      where m.id = any(array(select id from due))
      returning m.id, m.workspace_id, m.status_callback_url, m.callback_key_id`,
  );
  await recordStatusEffects(
    tx,
    failed.map((m) => ({
      workspaceId: m.workspace_id,
      messageId: m.id,
      status: "failed" as const,
      event: "failed" as const,
      at: o.now,
      reason: "channel_account_disabled",
      statusCallbackUrl: m.status_callback_url,
      callbackKeyId: m.callback_key_id,
    })),
    o.now,
  );
  if (o.sweep && failed.length > 0)
    await recordAudit(
      tx,
      failed
        .map((m) => ({
          workspaceId: m.workspace_id,
          actor: { type: "system" as const, id: null },
          action: "message.failed",
          targetType: "message",
          targetId: m.id,
          at: o.now,
          details: { reason: "channel_account_disabled" },
        }))
        .sort((a, b) => a.workspaceId.localeCompare(b.workspaceId)),
    );
  return failed.length;
}
