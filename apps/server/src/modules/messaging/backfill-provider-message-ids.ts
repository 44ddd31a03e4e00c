import { type SQL, sql } from "drizzle-orm";
import type { TAppContext } from "../../core/context.js";
import { rows, withSystemTx, withWorkspaceTx } from "../../core/db/tx.js";
import { encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import { PERSONAL_ID_PROVIDERS } from "./personal-provider-ids.js";
import { providerMessageIndex } from "./provider-id-ref.js";

export interface TProviderMessageIdBackfill {
  /** Provider ids (message_provider_ids rows) hashed, with their messages' copies sealed. */
  providerIds: number;
  /** Messages whose plain provider id was sealed. */
  messages: number;
  /** Kept statuses (orphan_status_events) whose provider id was hashed and sealed. */
  orphans: number;
}

interface TAccount {
  id: string;
  workspace_id: string;
}

/**
 * One batch of a sender's plain provider ids: each becomes its keyed hash in message_provider_ids and is
 * sealed on its message; the plain values are erased. A row is changed only if it still holds the value
 * read (several dispatchers may run this at once, and a status may have been recorded meanwhile).
 */
async function convertProviderIds(
  ctx: Pick<TAppContext, "db">,
  keys: TWorkspaceKeys,
  account: TAccount,
  ids: string[],
): Promise<{ providerIds: number; messages: number }> {
  const ws = account.workspace_id;
  const converted = ids.map((p) => ({
    p,
    i: providerMessageIndex(keys, p),
    s: encryptField(keys, ws, p),
  }));
  const done = await withWorkspaceTx(ctx.db, ws, (tx) =>
    rows<{ ids: number; messages: number }>(
      tx,
      sql`with x as (select * from jsonb_to_recordset(${JSON.stringify(converted)}::jsonb) as x(p text, i text, s text)),
        ids as (
          update message_provider_ids t set provider_message_index = x.i, provider_message_id = null
          from x where t.channel_account_id = ${account.id} and t.workspace_id = ${ws} and t.provider_message_id = x.p
          returning t.message_id, x.p, x.s
        ),
        msgs as (
          update messages m set provider_message_sealed = ids.s, provider_message_id = null
          from ids where m.id = ids.message_id and m.workspace_id = ${ws} and m.provider_message_id = ids.p
          returning m.id
        )
        select (select count(*) from ids)::int as ids, (select count(*) from msgs)::int as messages`,
    ),
  );
  return { providerIds: Number(done[0]?.ids ?? 0), messages: Number(done[0]?.messages ?? 0) };
}

/** One batch of a sender's kept statuses with a plain provider id: hashed and sealed, the plain id erased. */
async function convertOrphans(
  ctx: Pick<TAppContext, "db">,
  keys: TWorkspaceKeys,
  account: TAccount,
  list: { id: string; provider_message_id: string }[],
): Promise<number> {
  const ws = account.workspace_id;
  const converted = list.map((o) => ({
    id: o.id,
    p: o.provider_message_id,
    i: providerMessageIndex(keys, o.provider_message_id),
    s: encryptField(keys, ws, o.provider_message_id),
  }));
  const done = await withWorkspaceTx(ctx.db, ws, (tx) =>
    rows<{ id: string }>(
      tx,
      sql`update orphan_status_events o set provider_message_index = x.i, provider_message_sealed = x.s,
          provider_message_id = null
        from jsonb_to_recordset(${JSON.stringify(converted)}::jsonb) as x(id text, p text, i text, s text)
        where o.id = x.id::bigint and o.workspace_id = ${ws} and o.provider_message_id = x.p
        returning o.id`,
    ),
  );
  return done.length;
}

/**
 * Converts what migration 0354 could not: SQL has no workspace key, so the provider ids of WhatsApp Cloud
 * and Instagram senders stored before it stay in the clear (message_provider_ids, messages,
 * orphan_status_events) until this runs. Each sender's plain ids are read in index order from
 * message_provider_ids (every stored provider id has its row there, migration 0330) and converted with
 * their messages. Idempotent and safe to run in several processes; status webhooks find unconverted rows
 * by their plain ids meanwhile. Nothing to do costs two index probes per such sender.
 */
export async function backfillProviderMessageIds(
  ctx: Pick<TAppContext, "db" | "keys">,
  o: { batchSize?: number; stopped?: () => boolean } = {},
): Promise<TProviderMessageIdBackfill> {
  const limit = o.batchSize ?? 500;
  const counts: TProviderMessageIdBackfill = { providerIds: 0, messages: 0, orphans: 0 };
  const accounts = await withSystemTx(ctx.db, (tx) =>
    rows<TAccount>(
      tx,
      sql`select id, workspace_id from channel_accounts
        where provider_id = any(${sql.param([...PERSONAL_ID_PROVIDERS])}::text[]) order by id`,
    ),
  );
  for (const account of accounts) {
    let keys: TWorkspaceKeys | undefined;
    for (let after: string | null = null; ; ) {
      if (o.stopped?.()) return counts;
      const from: SQL = after === null ? sql`` : sql`and provider_message_id > ${after}`;
      const batch: { provider_message_id: string }[] = await withSystemTx(ctx.db, (tx) =>
        rows<{ provider_message_id: string }>(
          tx,
          sql`select distinct provider_message_id from message_provider_ids
            where channel_account_id = ${account.id} and provider_message_id is not null ${from}
            order by provider_message_id limit ${limit}`,
        ),
      );
      const last = batch.at(-1);
      if (last === undefined) break;
      after = last.provider_message_id;
      keys ??= await ctx.keys.forWorkspace(ctx.db, account.workspace_id);
      const done = await convertProviderIds(
        ctx,
        keys,
        account,
        batch.map((r) => r.provider_message_id),
      );
      counts.providerIds += done.providerIds;
      counts.messages += done.messages;
    }
    for (let after = "0"; ; ) {
      if (o.stopped?.()) return counts;
      const batch = await withSystemTx(ctx.db, (tx) =>
        rows<{ id: string; provider_message_id: string }>(
          tx,
          sql`select id::text as id, provider_message_id from orphan_status_events
            where channel_account_id = ${account.id} and provider_message_id is not null and id > ${after}::bigint
            order by id limit ${limit}`,
        ),
      );
      const last = batch.at(-1);
      if (last === undefined) break;
      after = last.id;
      keys ??= await ctx.keys.forWorkspace(ctx.db, account.workspace_id);
      counts.orphans += await convertOrphans(ctx, keys, account, batch);
    }
  }
  return counts;
}
