import { type SQL, sql } from "drizzle-orm";
import { rows, type TTx } from "../../../core/db/tx.js";
import { applyProviderStatus } from "../apply-provider-status.js";
import { jsonMap } from "../json-map.js";
import type { TProviderStatus } from "../messaging.types.js";
import { recordProviderOptOut, setReachability } from "../ports.js";
import { providerIdRef, type TProviderIdRef } from "../provider-id-ref.js";
import { recordStatusEffects, type TStatusChange } from "../status-effects.js";
import { cleanSendResult } from "./clean-send-result.js";
import { planWithout } from "./plan-without.js";
import { scalarJsonMap } from "./scalar-json-map.js";

/**
 * The claim a result belongs to, as that claim wrote it on the row: its lease holder (the worker) and the
 * attempts it counted (one more than before it; a claim given back unsent takes its count back).
 */
export interface TResultClaim {
  holder: string;
  attempts: number;
}

export type TSendResultItem =
  | {
      kind: "sent";
      id: string;
      workspaceId: string;
      claim: TResultClaim;
      channelAccountId: string;
      providerMessageId: string;
      /**
       * Set when the sender's provider ids can carry personal data (personal-provider-ids.ts): the id as it is
       * stored, a keyed hash (message_provider_ids) and sealed (the message), never as it is. A function
       * (providerIdRef with the workspace's keys), so that no key material travels in the result itself.
       */
      protectId?: ((providerMessageId: string) => TProviderIdRef) | undefined;
      acceptedAt: Date;
      segments?: number | undefined;
      statusCallbackUrl: string | null;
      callbackKeyId: string | null;
    }
  | {
      kind: "retry";
      id: string;
      workspaceId: string;
      claim: TResultClaim;
      dueAt: Date;
      reason: string;
      errorCode: string | null;
      errorMessage: string | null;
    }
  | {
      kind: "failed";
      id: string;
      workspaceId: string;
      claim: TResultClaim;
      contactId: string;
      channelAccountId: string;
      reason: string;
      errorCode: string | null;
      errorMessage: string | null;
      markUnreachable: boolean;
      statusCallbackUrl: string | null;
      callbackKeyId: string | null;
      /** The provider may have it (no readable answer): recorded `unknown`, not `failed`. */
      unknown?: boolean;
    };

/**
 * The message is still in the claim a retry or failure belongs to: `sending` under that claim's lease
 * holder and attempts. A claim whose lease expired is no longer the message's: crash recovery queued it
 * again (an adapter with idempotent sends) and a newer claim (another holder, or one more attempt) may be
 * sending it, which a late answer of the old one must not overwrite. With `orUnknown`, also `unknown`
 * after that same claim (crash recovery keeps its attempts and clears the holder): an `unknown` message is
 * reconciled, never claimed again, so its claim's late answer still counts.
 */
export function inClaim(o: { holder: SQL; attempts: SQL; orUnknown: boolean }): SQL {
  const unknown = o.orUnknown ? sql` or m.status = 'unknown'` : sql``;
  return sql`m.attempts = ${o.attempts} and (m.status = 'sending' and m.lease_holder = ${o.holder}${unknown})`;
}

/**
 * What a failure says about its recipient, recorded with it: an opt-out at the provider (WhatsApp
 * 131050, Twilio 21610) goes into the consent ledger, so nothing else is sent to them by this brand in
 * that scope; a refusal (blocked) marks the contact unreachable on the sender.
 */
export async function recordFailureEffects(
  tx: TTx,
  i: Extract<TSendResultItem, { kind: "failed" }>,
  now: Date,
): Promise<void> {
  if (i.unknown === true) return;
  if (i.errorCode)
    await recordProviderOptOut(tx, {
      workspaceId: i.workspaceId,
      channelAccountId: i.channelAccountId,
      errorCode: i.errorCode,
      messageId: i.id,
      contactId: i.contactId,
      at: now,
    });
  if (i.markUnreachable) {
    await setReachability(tx, {
      workspaceId: i.workspaceId,
      channelAccountId: i.channelAccountId,
      contactId: i.contactId,
      unreachable: true,
      reason: "send_refused",
      at: now,
      actor: { type: "system", id: null },
    });
  }
}

/**
 * Sends the provider accepted. A `sent` counts whichever claim it answers, while the message is `sending`
 * or `unknown`: the provider has the message, and `sent` only moves it forward, as a provider status
 * would. A late `sent` of a claim whose lease expired therefore also ends a newer claim still in flight.
 * Only adapters with idempotent sends are claimed again after an expiry, so the newer claim's send is the
 * same message at the provider: its `sent` finds the message recorded, and its retry or failure cannot
 * move a sent message back (inClaim). Once the newer claim's answer is recorded (`sent`, `failed`, or
 * `queued` again for a retry) or a provider status moved the message on, the late `sent` changes nothing.
 */
async function recordSent(
  tx: TTx,
  items: Extract<TSendResultItem, { kind: "sent" }>[],
  now: Date,
  relax: boolean,
): Promise<void> {
  if (items.length === 0) return;
  // One statement: record the provider ids and `sent`, and take any status that arrived before them.
  // The row is updated in place (HOT: the update touches no indexed column, migration 0330); the provider
  // id is found again through message_provider_ids, written by the same statement.
  // Rows are found by primary key, per-row values come from scalar jsonb maps keyed by message id (see
  // json-map.ts; a nested object per row costs a copy per lookup). Most adapters report no segment
  // count: that map is usually empty. Times travel as epoch milliseconds (cheaper to read than text).
  // Message ids never contain a comma: the list travels as one text.
  // A provider id that can carry personal data (items with `protectId`) is stored as a keyed hash and sealed
  // instead (migration 0354); the maps and columns for those are in the statement only when there are any.
  const idOf = (i: (typeof items)[number]): string => i.id;
  const hashed = new Map<string, TProviderIdRef>();
  for (const i of items) if (i.protectId !== undefined) hashed.set(i.id, i.protectId(i.providerMessageId));
  const pids = scalarJsonMap(items, idOf, (i) => (i.protectId === undefined ? i.providerMessageId : null));
  const ats = scalarJsonMap(items, idOf, (i) => i.acceptedAt.getTime());
  const segs = scalarJsonMap(items, idOf, (i) => i.segments ?? null);
  const withHashed = hashed.size > 0;
  const sealedMap = withHashed ? scalarJsonMap(items, idOf, (i) => hashed.get(i.id)?.sealed?.() ?? null) : "";
  const indexMap = withHashed ? scalarJsonMap(items, idOf, (i) => hashed.get(i.id)?.index ?? null) : "";
  // Orphans are found by the id as it is (other providers, and orphans kept before migration 0354) and by
  // its keyed hash.
  const byAccount = new Map<string, { plain: string[]; index: string[] }>();
  for (const i of items) {
    let keys = byAccount.get(i.channelAccountId);
    if (!keys) {
      keys = { plain: [], index: [] };
      byAccount.set(i.channelAccountId, keys);
    }
    keys.plain.push(i.providerMessageId);
    const index = hashed.get(i.id)?.index;
    if (index) keys.index.push(index);
  }
  const orphanKeys = [...byAccount].map(([account, ids]) =>
    ids.index.length === 0
      ? sql`(o.channel_account_id = ${account} and o.provider_message_id = any(${sql.param(ids.plain)}::text[]))`
      : sql`(o.channel_account_id = ${account} and (o.provider_message_index = any(${sql.param(ids.index)}::text[])
          or o.provider_message_id = any(${sql.param(ids.plain)}::text[])))`,
  );
  // Found by primary key, never by a scan of the whole table (see plan-without.ts).
  const restoreScan = await planWithout(tx, ["enable_seqscan"]);
  const result = await rows<{
    kind: "sent" | "orphan";
    id: string;
    status: string | null;
    at: Date | string | null;
    error_code: string | null;
    error_message: string | null;
    channel_account_id: string | null;
    provider_message_id: string | null;
    provider_message_index: string | null;
    provider_message_sealed: string | null;
    workspace_id: string | null;
  }>(
    tx,
    // A transaction that records only sends is not made durable synchronously: if it were lost in a crash,
    // the claim (which is) would leave the message `sending`, and crash recovery turns it `unknown` and
    // reconciles it — no resend. Retries, failures and provider opt-outs are not recoverable that way: a
    // transaction holding any of them keeps the server's setting (recordSendResults).
    sql`with p as (select ${pids}::jsonb as j), a as (select ${ats}::jsonb as j), g as (select ${segs}::jsonb as j),
      ${withHashed ? sql`s as (select ${sealedMap}::jsonb as j), h as (select ${indexMap}::jsonb as j),` : sql``}
      relaxed as (select set_config('synchronous_commit', ${relax ? sql`'off'` : sql`current_setting('synchronous_commit')`}, true)),
      restored as (${restoreScan}),
      upd as (
        update messages m set status = 'sent', reason = null, provider_message_id = p.j ->> m.id,
          ${withHashed ? sql`provider_message_sealed = s.j ->> m.id,` : sql``}
          sent_at = coalesce(m.sent_at, to_timestamp((a.j ->> m.id)::float8 / 1000)),
          segments = coalesce((g.j ->> m.id)::int, m.segments), lease_until = null, lease_holder = null, updated_at = now()
        from p, a, g${withHashed ? sql`, s` : sql``} where m.id = any(string_to_array(${items.map((i) => i.id).join(",")}, ','))
          and m.status in ('sending', 'unknown')
        returning m.id, m.channel_account_id, m.provider_message_id, m.workspace_id
      ),
      ids as (
        ${
          withHashed
            ? sql`insert into message_provider_ids (channel_account_id, provider_message_id, provider_message_index, message_id,
                workspace_id)
              select upd.channel_account_id, upd.provider_message_id, h.j ->> upd.id, upd.id, upd.workspace_id from upd, h`
            : sql`insert into message_provider_ids (channel_account_id, provider_message_id, message_id, workspace_id)
              select channel_account_id, provider_message_id, id, workspace_id from upd`
        }
      ),
      orphans as (
        delete from orphan_status_events o where ${sql.join(orphanKeys, sql` or `)}
        returning o.id, o.workspace_id, o.channel_account_id, o.provider_message_id, o.provider_message_index,
          o.provider_message_sealed, o.status, o.at, o.error_code, o.error_message
      )
      select 'sent' as kind, id, null as status, null::timestamptz as at, null as error_code, null as error_message,
        null as channel_account_id, null as provider_message_id, null as provider_message_index,
        null as provider_message_sealed, null as workspace_id from upd
        where (select count(*) from relaxed) = 1 and (select count(*) from restored) = 1
      union all
      select 'orphan', o.id::text, o.status, o.at, o.error_code, o.error_message, o.channel_account_id, o.provider_message_id,
        o.provider_message_index, o.provider_message_sealed, o.workspace_id from orphans o`,
  );
  // A status webhook may have moved the message on already (it then also stored the provider id).
  const moved = new Set(result.filter((r) => r.kind === "sent").map((r) => r.id));
  const changes: TStatusChange[] = items
    .filter((i) => moved.has(i.id))
    .map((i) => ({
      workspaceId: i.workspaceId,
      messageId: i.id,
      status: "sent",
      event: null,
      at: i.acceptedAt,
      statusCallbackUrl: i.statusCallbackUrl,
      callbackKeyId: i.callbackKeyId,
    }));
  await recordStatusEffects(tx, changes, now);
  const orphans = result.filter((r) => r.kind === "orphan").sort((a, b) => Number(a.id) - Number(b.id));
  if (orphans.length === 0) return;
  // Each orphan is applied with the provider id of the result it matched, as that result stored it.
  const refByIndex = new Map<string, TProviderIdRef>();
  const refByPlain = new Map<string, TProviderIdRef>();
  for (const i of items) {
    const ref = hashed.get(i.id) ?? providerIdRef(i.providerMessageId);
    if (ref.index !== null) refByIndex.set(ref.index, ref);
    refByPlain.set(`${i.channelAccountId} ${i.providerMessageId}`, ref);
  }
  for (const o of orphans) {
    const sealed = o.provider_message_sealed;
    const ref: TProviderIdRef = (o.provider_message_index === null
      ? undefined
      : refByIndex.get(o.provider_message_index)) ??
      refByPlain.get(`${o.channel_account_id ?? ""} ${o.provider_message_id ?? ""}`) ?? {
        plain: o.provider_message_id,
        index: o.provider_message_index,
        sealed: sealed === null ? null : () => sealed,
      };
    await applyProviderStatus(
      tx,
      {
        workspaceId: o.workspace_id ?? "",
        channelAccountId: o.channel_account_id ?? "",
        status: o.status as TProviderStatus,
        at: o.at instanceof Date ? o.at : new Date(o.at ?? Date.now()),
        ...(o.error_code ? { errorCode: o.error_code } : {}),
        ...(o.error_message ? { errorMessage: o.error_message } : {}),
      },
      ref,
    );
  }
}

async function recordRetries(
  tx: TTx,
  items: Extract<TSendResultItem, { kind: "retry" }>[],
  now: Date,
): Promise<void> {
  if (items.length === 0) return;
  const values = jsonMap(items, (i) => ({
    rs: i.reason,
    due: i.dueAt.toISOString(),
    ec: i.errorCode,
    em: i.errorMessage,
    h: i.claim.holder,
    n: i.claim.attempts,
  }));
  const claim = inClaim({
    holder: sql`v.j -> m.id ->> 'h'`,
    attempts: sql`(v.j -> m.id ->> 'n')::int`,
    orUnknown: false,
  });
  const updated = await rows<{ id: string }>(
    tx,
    sql`update messages m set status = 'queued', reason = v.j -> m.id ->> 'rs', due_at = (v.j -> m.id ->> 'due')::timestamptz,
        error_code = v.j -> m.id ->> 'ec', error_message = v.j -> m.id ->> 'em', lease_until = null, lease_holder = null,
        updated_at = now()
      from (select ${values}::jsonb as j) v
      where m.id = any(${sql.param(items.map((i) => i.id))}::text[]) and ${claim}
      returning m.id`,
  );
  const moved = new Set(updated.map((r) => r.id));
  await recordStatusEffects(
    tx,
    items
      .filter((i) => moved.has(i.id))
      .map((i) => ({
        workspaceId: i.workspaceId,
        messageId: i.id,
        status: "queued" as const,
        event: "retry_scheduled" as const,
        at: now,
        reason: i.reason,
        details: { notBefore: i.dueAt.toISOString(), ...(i.errorCode ? { errorCode: i.errorCode } : {}) },
      })),
    now,
  );
}

async function recordFailures(
  tx: TTx,
  items: Extract<TSendResultItem, { kind: "failed" }>[],
  now: Date,
): Promise<void> {
  if (items.length === 0) return;
  const values = jsonMap(items, (i) => ({
    st: i.unknown === true ? "unknown" : "failed",
    rs: i.reason,
    ec: i.errorCode,
    em: i.errorMessage,
    h: i.claim.holder,
    n: i.claim.attempts,
  }));
  const claim = inClaim({
    holder: sql`v.j -> m.id ->> 'h'`,
    attempts: sql`(v.j -> m.id ->> 'n')::int`,
    orUnknown: true,
  });
  const updated = await rows<{ id: string }>(
    tx,
    sql`update messages m set status = v.j -> m.id ->> 'st', reason = v.j -> m.id ->> 'rs', error_code = v.j -> m.id ->> 'ec',
        error_message = v.j -> m.id ->> 'em', due_at = null, lease_until = null, lease_holder = null, updated_at = now()
      from (select ${values}::jsonb as j) v
      where m.id = any(${sql.param(items.map((i) => i.id))}::text[]) and ${claim}
      returning m.id`,
  );
  const moved = new Set(updated.map((r) => r.id));
  const failed = items.filter((i) => moved.has(i.id));
  for (const i of failed) await recordFailureEffects(tx, i, now);
  await recordStatusEffects(
    tx,
    failed.map((i) => ({
      workspaceId: i.workspaceId,
      messageId: i.id,
      status: i.unknown === true ? ("unknown" as const) : ("failed" as const),
      event: i.unknown === true ? ("unknown" as const) : ("failed" as const),
      at: now,
      reason: i.reason,
      errorCode: i.errorCode,
      statusCallbackUrl: i.statusCallbackUrl,
      callbackKeyId: i.callbackKeyId,
      details: {
        ...(i.errorCode ? { errorCode: i.errorCode } : {}),
        ...(i.errorMessage ? { errorMessage: i.errorMessage } : {}),
      },
    })),
    now,
  );
}

/**
 * Record what the adapters answered, many sends in one transaction: provider ids and `sent`, retries
 * (back to `queued` with a later due time), dead letters (`failed` with the provider's code). A
 * message reconciled meanwhile (a status webhook came first) keeps its newer status. A retry or failure
 * counts only for the claim it answers (inClaim); a `sent` for any claim (see recordSent). What providers
 * supplied is made storable first (clean-send-result.ts): no provider's answer can fail the batch.
 */
export async function recordSendResults(tx: TTx, given: TSendResultItem[], now: Date): Promise<void> {
  const items = given.map((i) => cleanSendResult(i, now));
  const sent = items.filter((i): i is Extract<TSendResultItem, { kind: "sent" }> => i.kind === "sent");
  await recordSent(tx, sent, now, sent.length === items.length);
  await recordRetries(
    tx,
    items.filter((i): i is Extract<TSendResultItem, { kind: "retry" }> => i.kind === "retry"),
    now,
  );
  await recordFailures(
    tx,
    items.filter((i): i is Extract<TSendResultItem, { kind: "failed" }> => i.kind === "failed"),
    now,
  );
}
