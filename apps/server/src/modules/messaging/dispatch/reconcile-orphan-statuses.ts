import { sql } from "drizzle-orm";
import type { TDb } from "../../../core/db/client.js";
import { rows, withSystemTx } from "../../../core/db/tx.js";
import { applyProviderStatus } from "../apply-provider-status.js";
import type { TProviderStatus } from "../messaging.types.js";

/**
 * Provider statuses kept as orphans (their message's provider id was not stored yet) are applied when the
 * send result is recorded. On Postgres a status webhook and that recording can run at once, each unable
 * to see the other's uncommitted row, and the orphan then arrives after the recording looked: this sweep
 * applies recent orphans (the last hour) whose provider id is known by now, oldest first, and removes
 * them. Most sweeps find none and cost one index range scan. An orphan is matched as it was kept: by the
 * id as it is, or by its keyed hash (a provider whose ids can carry personal data, migration 0354); it is
 * applied with the id in the same form, so no key is needed here.
 */
export async function reconcileOrphanStatuses(db: TDb, o: { limit?: number } = {}): Promise<number> {
  return withSystemTx(db, async (tx) => {
    const found = await rows<{
      id: string;
      workspace_id: string;
      channel_account_id: string;
      provider_message_id: string | null;
      provider_message_index: string | null;
      provider_message_sealed: string | null;
      status: string;
      at: Date | string;
      error_code: string | null;
      error_message: string | null;
    }>(
      tx,
      sql`with found as (
          select o.id from orphan_status_events o
          where o.created_at > now() - interval '1 hour'
            and (exists (select 1 from message_provider_ids p
                where p.channel_account_id = o.channel_account_id and p.provider_message_id = o.provider_message_id)
              or exists (select 1 from message_provider_ids p
                where p.channel_account_id = o.channel_account_id and p.provider_message_index = o.provider_message_index))
          order by o.id limit ${o.limit ?? 500} for update skip locked
        )
        delete from orphan_status_events o where o.id = any(array(select id from found))
        returning o.id, o.workspace_id, o.channel_account_id, o.provider_message_id, o.provider_message_index,
          o.provider_message_sealed, o.status, o.at, o.error_code, o.error_message`,
    );
    found.sort((a, b) => Number(a.id) - Number(b.id));
    for (const e of found) {
      const sealed = e.provider_message_sealed;
      await applyProviderStatus(
        tx,
        {
          workspaceId: e.workspace_id,
          channelAccountId: e.channel_account_id,
          status: e.status as TProviderStatus,
          at: e.at instanceof Date ? e.at : new Date(e.at),
          ...(e.error_code ? { errorCode: e.error_code } : {}),
          ...(e.error_message ? { errorMessage: e.error_message } : {}),
        },
        {
          plain: e.provider_message_id,
          index: e.provider_message_index,
          sealed: sealed === null ? null : () => sealed,
        },
      );
    }
    return found.length;
  });
}
