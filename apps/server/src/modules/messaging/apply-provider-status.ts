import { type SQL, sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { statusRank, type TMessageStatus, type TProviderStatus } from "./messaging.types.js";
import type { TProviderIdRef } from "./provider-id-ref.js";
import { recordStatusEffects } from "./status-effects.js";

export interface TProviderStatusEvent {
  workspaceId: string;
  channelAccountId: string;
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
  provider_message_sealed: string | null;
  status_callback_url: string | null;
  callback_key_id: string | null;
}

/**
 * Rows of `alias` (message_provider_ids or orphan_status_events) that hold this provider id: by its keyed
 * hash, and by the id itself (rows of a provider that stores it so, and rows stored before migration 0354).
 */
function providerIdMatches(alias: string, ref: TProviderIdRef): SQL {
  const t = sql.raw(alias);
  const parts: SQL[] = [];
  if (ref.index !== null) parts.push(sql`${t}.provider_message_index = ${ref.index}`);
  if (ref.plain !== null) parts.push(sql`${t}.provider_message_id = ${ref.plain}`);
  if (parts.length === 0) return sql`false`;
  return parts.length === 1 ? (parts[0] ?? sql`false`) : sql`(${sql.join(parts, sql` or `)})`;
}

/** What is stored of a provider id: the id as it is, or its keyed hash and sealed copy. */
function storedForm(ref: TProviderIdRef): { id: string | null; index: string | null; sealed: string | null } {
  if (ref.index !== null && ref.sealed !== null) return { id: null, index: ref.index, sealed: ref.sealed() };
  return { id: ref.plain, index: null, sealed: null };
}

const targetColumns = sql.raw(
  "id, status, provider_message_id, provider_message_sealed, status_callback_url, callback_key_id",
);

async function findTarget(
  tx: TTx,
  o: TProviderStatusEvent,
  ref: TProviderIdRef,
): Promise<TTarget | undefined> {
  const byProvider = await rows<TTarget>(
    tx,
    // Provider ids are found through message_provider_ids (migration 0330: no index on the messages row).
    sql`select ${targetColumns} from messages
      where id = (select p.message_id from message_provider_ids p
          where p.channel_account_id = ${o.channelAccountId} and ${providerIdMatches("p", ref)}
            and p.workspace_id = ${o.workspaceId}
          limit 1)
        and channel_account_id = ${o.channelAccountId} and workspace_id = ${o.workspaceId}
      for update`,
  );
  if (byProvider[0] || o.messageId === undefined) return byProvider[0];
  // A message with another provider id is not this one; one with this id was found above (or keeps it in
  // the clear on its row alone).
  const byId = await rows<TTarget>(
    tx,
    sql`select ${targetColumns} from messages
      where id = ${o.messageId} and channel_account_id = ${o.channelAccountId} and workspace_id = ${o.workspaceId}
        and ((provider_message_id is null and provider_message_sealed is null)
          or provider_message_id = ${ref.plain})
      for update`,
  );
  return byId[0];
}

/**
 * A provider status for one of our messages, its provider id given as it is looked up and stored
 * (provider-id-ref.ts). Statuses only move forward (delivered never goes back to sent); a message in
 * `unknown` after a crash is reconciled here. A status for a message we cannot find yet (its send result
 * is still being recorded) is kept and applied when the provider id is stored; the answer is then null.
 */
export async function applyProviderStatus(
  tx: TTx,
  o: TProviderStatusEvent,
  ref: TProviderIdRef,
): Promise<{ messageId: string; status: TMessageStatus } | null> {
  const target = await findTarget(tx, o, ref);
  if (!target) {
    const kept = storedForm(ref);
    await tx.execute(sql`insert into orphan_status_events (workspace_id, channel_account_id, provider_message_id,
        provider_message_index, provider_message_sealed, status, at, error_code, error_message)
      values (${o.workspaceId}, ${o.channelAccountId}, ${kept.id}, ${kept.index}, ${kept.sealed}, ${o.status}, ${o.at},
        ${o.errorCode ?? null}, ${o.errorMessage ?? null})`);
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
  // The message learns its provider id here when the status came first (its send answer was lost).
  const learns = target.provider_message_id === null && target.provider_message_sealed === null;
  const stored = learns ? storedForm(ref) : undefined;
  await tx.execute(sql`update messages set status = ${o.status},
      reason = ${failed ? (o.errorCode ? `provider_error_${o.errorCode}` : "provider_failed") : null},
      ${stored ? sql`provider_message_id = ${stored.id}, provider_message_sealed = ${stored.sealed},` : sql``}
      error_code = ${failed ? (o.errorCode ?? null) : sql`error_code`},
      error_message = ${failed ? (o.errorMessage ?? null) : sql`error_message`},
      sent_at = coalesce(sent_at, ${o.at}),
      delivered_at = ${o.status === "delivered" || o.status === "read" ? sql`coalesce(delivered_at, ${o.at})` : sql`delivered_at`},
      read_at = ${o.status === "read" ? sql`coalesce(read_at, ${o.at})` : sql`read_at`},
      lease_until = null, due_at = null, updated_at = now()
    where id = ${target.id}`);
  if (stored)
    await tx.execute(sql`insert into message_provider_ids (channel_account_id, provider_message_id,
        provider_message_index, message_id, workspace_id)
      values (${o.channelAccountId}, ${stored.id}, ${stored.index}, ${target.id}, ${o.workspaceId})`);
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
