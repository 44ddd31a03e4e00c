import { sql } from "drizzle-orm";
import type { TAppContext } from "../../core/context.js";
import { rows, type TTx, withSystemTx, withWorkspaceTx } from "../../core/db/tx.js";
import { encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import { inboundMessageIndex, statusOptOutKey } from "./dedupe-indexes.js";

interface TPlainInbound {
  id: string;
  workspace_id: string;
  provider_message_id: string | null;
  reply_to_provider_message_id: string | null;
}

interface TPlainReceipt {
  workspace_id: string;
  channel_account_id: string;
  dedupe_index: string;
}

export interface TProviderIdBackfill {
  /** Inbound messages whose dedupe key was hashed and replied-to id sealed. */
  inboundMessages: number;
  /** Provider opt-out receipts whose status key was hashed. */
  receipts: number;
}

const STATUS_PREFIX = "provider_opt_out:status:";

function byWorkspace<T extends { workspace_id: string }>(list: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of list) {
    const group = out.get(r.workspace_id);
    if (group) group.push(r);
    else out.set(r.workspace_id, [r]);
  }
  return out;
}

/**
 * Inbound messages stored before migration 0353 with their provider ids in the clear: the dedupe key
 * becomes its keyed hash and the replied-to id is sealed, the plain values are erased. A row is changed
 * only if it still holds the values read (several schedulers may run this at once). A row whose key is
 * already taken by a newer copy of the same message (one stored while old and new code both ran) only
 * loses its plain values.
 */
async function convertInbound(tx: TTx, keys: TWorkspaceKeys, workspaceId: string, list: TPlainInbound[]) {
  const converted = list.map((r) => ({
    id: r.id,
    p: r.provider_message_id,
    d: r.provider_message_id === null ? null : inboundMessageIndex(keys, r.provider_message_id),
    rp: r.reply_to_provider_message_id,
    r:
      r.reply_to_provider_message_id === null || r.reply_to_provider_message_id === ""
        ? null
        : encryptField(keys, workspaceId, r.reply_to_provider_message_id),
  }));
  const done = await rows<{ id: string }>(
    tx,
    sql`update inbound_messages m set
          dedupe_index = case when x.d is null or exists (select 1 from inbound_messages o
              where o.workspace_id = m.workspace_id and o.channel_account_id = m.channel_account_id
                and o.dedupe_index = x.d) then m.dedupe_index else x.d end,
          provider_message_id = null, reply_to_sealed = coalesce(x.r, m.reply_to_sealed),
          reply_to_provider_message_id = null
        from jsonb_to_recordset(${JSON.stringify(converted)}::jsonb) as x(id text, p text, d text, rp text, r text)
        where m.id = x.id and m.workspace_id = ${workspaceId}
          and m.provider_message_id is not distinct from x.p
          and m.reply_to_provider_message_id is not distinct from x.rp
        returning m.id`,
  );
  return done.length;
}

/** Provider opt-out receipts keyed by a status's plain provider id (a wamid holds the number). */
async function convertReceipts(tx: TTx, keys: TWorkspaceKeys, workspaceId: string, list: TPlainReceipt[]) {
  const converted = list.map((r) => ({
    c: r.channel_account_id,
    o: r.dedupe_index,
    n: `provider_opt_out:${statusOptOutKey(keys, r.dedupe_index.slice(STATUS_PREFIX.length))}`,
  }));
  // The hashed receipt replaces the plain one (it may exist already: then the plain one just goes).
  const done = await rows<{ n: number }>(
    tx,
    sql`with plain as (
          delete from inbound_event_receipts r
          using jsonb_to_recordset(${JSON.stringify(converted)}::jsonb) as x(c text, o text, n text)
          where r.workspace_id = ${workspaceId} and r.channel_account_id = x.c and r.dedupe_index = x.o
          returning r.channel_account_id, x.n, r.kind, r.received_at
        ), hashed as (
          insert into inbound_event_receipts (workspace_id, channel_account_id, dedupe_index, kind, received_at)
          select ${workspaceId}, channel_account_id, n, kind, received_at from plain
          on conflict do nothing returning 1
        )
        select (select count(*) from plain)::int as n`,
  );
  return Number(done[0]?.n ?? 0);
}

/**
 * Converts what migration 0353 could not: SQL has no workspace key, so rows stored before it keep the
 * provider ids they were keyed by (Telegram chat ids, IGSIDs, wamids) until this runs. Idempotent and
 * safe to run in several processes; the lookups find unconverted rows by their plain ids meanwhile.
 */
export async function backfillProviderIds(
  ctx: Pick<TAppContext, "db" | "keys">,
  o: { batchSize?: number } = {},
): Promise<TProviderIdBackfill> {
  const limit = o.batchSize ?? 500;
  const counts: TProviderIdBackfill = { inboundMessages: 0, receipts: 0 };
  for (let after = ""; ; ) {
    const batch = await withSystemTx(ctx.db, (tx) =>
      rows<TPlainInbound>(
        tx,
        sql`select id, workspace_id, provider_message_id, reply_to_provider_message_id from inbound_messages
            where (provider_message_id is not null or reply_to_provider_message_id is not null) and id > ${after}
            order by id limit ${limit}`,
      ),
    );
    const last = batch.at(-1);
    if (last === undefined) break;
    after = last.id;
    for (const [workspaceId, list] of byWorkspace(batch)) {
      const keys = await ctx.keys.forWorkspace(ctx.db, workspaceId);
      counts.inboundMessages += await withWorkspaceTx(ctx.db, workspaceId, (tx) =>
        convertInbound(tx, keys, workspaceId, list),
      );
    }
  }
  for (;;) {
    const batch = await withSystemTx(ctx.db, (tx) =>
      rows<TPlainReceipt>(
        tx,
        sql`select workspace_id, channel_account_id, dedupe_index from inbound_event_receipts
            where kind = 'provider_opt_out' and dedupe_index like ${`${STATUS_PREFIX}%`}
              and dedupe_index !~ ${`^${STATUS_PREFIX}[0-9a-f]{64}$`}
            limit ${limit}`,
      ),
    );
    let converted = 0;
    for (const [workspaceId, list] of byWorkspace(batch)) {
      const keys = await ctx.keys.forWorkspace(ctx.db, workspaceId);
      converted += await withWorkspaceTx(ctx.db, workspaceId, (tx) =>
        convertReceipts(tx, keys, workspaceId, list),
      );
    }
    counts.receipts += converted;
    // Converted rows leave the selection; a batch that converted nothing (another process took it) ends.
    if (converted === 0) break;
  }
  return counts;
}
