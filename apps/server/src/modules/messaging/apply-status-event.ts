import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { statusRank, type TMessageStatus, type TProviderStatus } from "./messaging.types.js";
import { recordStatusEffects } from "./status-effects.js";

export interface TApplyStatusEventOptions {
  workspaceId: string;
  channelAccountId: string;
  providerMessageId: string;
  status: TProviderStatus;
  at: Date;
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
  /**
   * Our message id when the provider echoes it (WhatsApp `biz_opaque_callback_data`): finds a message
   * whose send answer was lost (status `unknown` after a crash) although its provider id was never stored.
   */
  messageId?: string | undefined;
}

interface TTarget {
  id: string;
  status: TMessageStatus;
  provider_message_id: string | null;
  status_callback_url: string | null;
  callback_key_id: string | null;
}

async function findTarget(tx: TTx, o: TApplyStatusEventOptions): Promise<TTarget | undefined> {
  const byProvider = await rows<TTarget>(
    tx,
    // Provider ids are found through message_provider_ids (migration 0330: no index on the messages row).
    sql`select id, status, provider_message_id, status_callback_url, callback_key_id from messages
      where id = (select p.message_id from message_provider_ids p
          where p.channel_account_id = ${o.channelAccountId} and p.provider_message_id = ${o.providerMessageId}
            and p.workspace_id = ${o.workspaceId}
          limit 1)
        and channel_account_id = ${o.channelAccountId} and workspace_id = ${o.workspaceId}
      for update`,
  );
  if (byProvider[0] || o.messageId === undefined) return byProvider[0];
  const byId = await rows<TTarget>(
    tx,
    sql`select id, status, provider_message_id, status_callback_url, callback_key_id from messages
      where id = ${o.messageId} and channel_account_id = ${o.channelAccountId} and workspace_id = ${o.workspaceId}
        and (provider_message_id is null or provider_message_id = ${o.providerMessageId})
      for update`,
  );
  return byId[0];
}

/**
 * A provider status for one of our messages. Statuses only move forward (delivered never goes back
 * to sent); a message in `unknown` after a crash is reconciled here. A status for a message we cannot
 * find yet (its send result is still being recorded) is kept and applied when the provider id is
 * stored; the answer is then null.
 */
export async function applyStatusEvent(
  tx: TTx,
  o: TApplyStatusEventOptions,
): Promise<{ messageId: string; status: TMessageStatus } | null> {
  const target = await findTarget(tx, o);
  if (!target) {
    await tx.execute(sql`insert into orphan_status_events (workspace_id, channel_account_id, provider_message_id, status, at,
        error_code, error_message)
      values (${o.workspaceId}, ${o.channelAccountId}, ${o.providerMessageId}, ${o.status}, ${o.at}, ${o.errorCode ?? null},
        ${o.errorMessage ?? null})`);
    return null;
  }
  const current = target.status;
  const movable =
    current === "sending" ||
    current === "unknown" ||
    current === "sent" ||
    current === "delivered" ||
    current === "read" ||
    current === "failed" ||
    current === "undelivered";
  if (!movable || statusRank[o.status] <= statusRank[current])
    return { messageId: target.id, status: current };
  const failed = o.status === "failed" || o.status === "undelivered";
  await tx.execute(sql`update messages set status = ${o.status},
      reason = ${failed ? (o.errorCode ? `provider_error_${o.errorCode}` : "provider_failed") : null},
      provider_message_id = coalesce(provider_message_id, ${o.providerMessageId}),
      error_code = ${failed ? (o.errorCode ?? null) : sql`error_code`},
      error_message = ${failed ? (o.errorMessage ?? null) : sql`error_message`},
      sent_at = coalesce(sent_at, ${o.at}),
      delivered_at = ${o.status === "delivered" || o.status === "read" ? sql`coalesce(delivered_at, ${o.at})` : sql`delivered_at`},
      read_at = ${o.status === "read" ? sql`coalesce(read_at, ${o.at})` : sql`read_at`},
      lease_until = null, due_at = null, updated_at = now()
    where id = ${target.id}`);
  if (target.provider_message_id === null)
    await tx.execute(sql`insert into message_provider_ids (channel_account_id, provider_message_id, message_id, workspace_id)
      values (${o.channelAccountId}, ${o.providerMessageId}, ${target.id}, ${o.workspaceId})`);
  await recordStatusEffects(
    tx,
    [
      {
        workspaceId: o.workspaceId,
        messageId: target.id,
        status: o.status,
        event: o.status,
        at: o.at,
        reason: failed ? (o.errorCode ? `provider_error_${o.errorCode}` : "provider_failed") : null,
        errorCode: o.errorCode,
        statusCallbackUrl: target.status_callback_url,
        callbackKeyId: target.callback_key_id,
        details: {
          ...(o.errorCode ? { errorCode: o.errorCode } : {}),
          ...(o.errorMessage ? { errorMessage: o.errorMessage } : {}),
          ...(current === "unknown" ? { reconciled: true } : {}),
        },
      },
    ],
    o.at,
  );
  return { messageId: target.id, status: o.status };
}
