import { sql } from "drizzle-orm";
import {
  auditAppendStatement,
  recordAudit,
  type TAuditAppendHead,
  type TAuditAppendStatement,
  type TAuditEvent,
} from "../../core/audit.js";
import { commitWith, rows, type TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { blindIndex, encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import { activeChannelAccounts } from "./channel-account-cache.js";
import { cachedContact } from "./contact-cache.js";
import { customerWindowMs, customerWindowMsOf, windowedChannels } from "./content-rules.js";
import { emitWebhookEvents, type TMessageWebhookEvent } from "./emit-webhook-events.js";
import type { TChannelAccountRow, TMessageCategory, TMessageStatus } from "./messaging.types.js";
import {
  type DecisionFactsCache,
  decideWarm,
  findContactsByIdentity,
  getCampaign,
  getContactAddresses,
  lockAddresses,
  normalizeAddress,
  resolveContactByAddress,
  type TContactIdentityKind,
  type TDecision,
  type TDecisionInput,
} from "./ports.js";
import type { TAcceptedMessage, TAcceptOutcome, TSendWork } from "./send-work.js";

export interface TAcceptBatchOptions {
  keys: ReadonlyMap<string, TWorkspaceKeys>;
  now: Date;
  /** Postgres: wake dispatchers with NOTIFY when something became due. */
  notify: boolean;
  /**
   * The batch is its transaction's whole work: its last statement may COMMIT in the same round trip
   * (tx.ts commitWith; the caller then must not use the transaction any more).
   */
  last?: boolean;
  /**
   * The process's warm decision-facts cache, when it has one: campaigns and allowing decisions are taken
   * from it (decideWarm), so a batch whose recipients are all warm reads nothing before its insert.
   */
  cache?: DecisionFactsCache;
}

export interface TAcceptBatchResult {
  /** One per item; undefined when the item repeats an earlier item's Idempotency-Key in this batch. */
  outcomes: (TAcceptOutcome | undefined)[];
  /** Addresses resolved in this batch, to cache once the transaction committed. */
  resolved: { workspaceId: string; channel: string; address: string; contactId: string }[];
  /** Sends whose facts or campaign the cache did not hold: to read into it once the transaction committed. */
  missed: TDecisionInput[];
}

interface TItem {
  work: TSendWork;
  outcome?: TAcceptOutcome;
  follows?: number;
  account?: TChannelAccountRow;
  category?: TMessageCategory;
  contactId?: string;
  address?: string;
  decision?: TDecision;
  id: string;
  status?: TMessageStatus;
  reason?: string | null;
  dueAt?: Date | null;
  notBefore?: Date | null;
}

interface TExistingRow {
  workspace_id: string;
  idempotency_key: string;
  id: string;
  request_hash: string | null;
  accept_status: TMessageStatus;
  accept_reason: string | null;
  not_before: Date | string | null;
  contact_id: string;
  channel_account_id: string;
  created_at: Date | string;
  twilio_sid: string | null;
}

const asDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));

function fail(item: TItem, error: unknown): void {
  item.outcome = { ok: false, error };
}

function live(items: TItem[]): TItem[] {
  return items.filter((i) => i.outcome === undefined && i.follows === undefined);
}

function replayOf(item: TItem, row: TExistingRow): TAcceptOutcome {
  if (row.request_hash !== item.work.requestHash) {
    return {
      ok: false,
      error: new AppError("idempotency_conflict", {
        message: "this Idempotency-Key was used with a different request",
        field: "Idempotency-Key",
      }),
    };
  }
  return {
    ok: true,
    value: {
      id: row.id,
      status: row.accept_status,
      reason: row.accept_reason,
      notBefore: row.not_before === null ? null : asDate(row.not_before),
      contactId: row.contact_id,
      channelAccountId: row.channel_account_id,
      createdAt: asDate(row.created_at),
      replayed: true,
      twilioSid: row.twilio_sid,
    },
  };
}

async function existingByKey(tx: TTx, items: TItem[]): Promise<Map<string, TExistingRow>> {
  const keyed = items.filter((i) => i.work.idempotencyKey !== undefined);
  const found = new Map<string, TExistingRow>();
  if (keyed.length === 0) return found;
  const rowsFound = await rows<TExistingRow>(
    tx,
    sql`select m.workspace_id, m.idempotency_key, m.id, m.request_hash, m.accept_status, m.accept_reason, m.not_before,
        m.contact_id, m.channel_account_id, m.created_at, m.twilio_sid
      from messages m
      where m.workspace_id = any(${sql.param([...new Set(keyed.map((i) => i.work.workspaceId))])}::text[])
        and m.idempotency_key = any(${sql.param(keyed.map((i) => i.work.idempotencyKey ?? ""))}::text[])`,
  );
  const wanted = new Set(keyed.map((i) => `${i.work.workspaceId}\u0000${i.work.idempotencyKey}`));
  for (const r of rowsFound) {
    const key = `${r.workspace_id}\u0000${r.idempotency_key}`;
    if (wanted.has(key)) found.set(key, r);
  }
  return found;
}

/** Same key twice in one batch: the later items follow the first; keys already stored are replayed. */
async function settleIdempotency(tx: TTx, items: TItem[]): Promise<void> {
  const firstByKey = new Map<string, number>();
  items.forEach((item, index) => {
    const key = item.work.idempotencyKey;
    if (key === undefined) return;
    const k = `${item.work.workspaceId}\u0000${key}`;
    const first = firstByKey.get(k);
    if (first === undefined) firstByKey.set(k, index);
    else item.follows = first;
  });
  const existing = await existingByKey(tx, live(items));
  for (const item of live(items)) {
    const key = item.work.idempotencyKey;
    const row = key === undefined ? undefined : existing.get(`${item.work.workspaceId}\u0000${key}`);
    if (row) item.outcome = replayOf(item, row);
  }
}

async function assignSenders(tx: TTx, items: TItem[]): Promise<void> {
  const pending = live(items);
  const accounts = await activeChannelAccounts(tx, [...new Set(pending.map((i) => i.work.workspaceId))]);
  for (const item of pending) {
    const { work } = item;
    const list = accounts.get(work.workspaceId) ?? [];
    const account = work.channelAccountId
      ? list.find((a) => a.id === work.channelAccountId)
      : list.find((a) => a.brandId === work.brandId && a.channel === work.channel);
    if (!account) {
      fail(
        item,
        new AppError("unprocessable", {
          message: work.channelAccountId
            ? "channelAccountId is not an active sender of this workspace"
            : `brand ${work.brandId} has no active sender on ${work.channel}`,
          field: work.channelAccountId ? "channelAccountId" : "brandId",
        }),
      );
    } else if (account.brandId !== work.brandId || account.channel !== work.channel) {
      fail(
        item,
        new AppError("unprocessable", {
          message: "channelAccountId belongs to another brand or channel",
          field: "channelAccountId",
        }),
      );
    } else {
      item.account = account;
    }
  }
}

async function assignCategories(
  tx: TTx,
  items: TItem[],
  cache: DecisionFactsCache | undefined,
): Promise<void> {
  const campaigns = new Map<string, Awaited<ReturnType<typeof getCampaign>>>();
  for (const item of live(items)) {
    const { work } = item;
    if (work.campaignId === undefined) {
      item.category = work.category ?? "marketing";
      continue;
    }
    const key = `${work.workspaceId}\u0000${work.campaignId}`;
    if (!campaigns.has(key)) {
      // Campaigns never change once created: a cached one is as good as a read (null: known missing, read
      // again, as it may have been created since).
      const cached = cache?.peekCampaign(work.workspaceId, work.campaignId);
      campaigns.set(
        key,
        cached ?? (await getCampaign(tx, { workspaceId: work.workspaceId, campaignId: work.campaignId })),
      );
    }
    const campaign = campaigns.get(key);
    if (!campaign || campaign.brandId !== work.brandId) {
      fail(
        item,
        new AppError("unprocessable", { message: "campaign not found for this brand", field: "campaignId" }),
      );
    } else if (work.category !== undefined && work.category !== campaign.category) {
      fail(
        item,
        new AppError("validation_failed", {
          message: `the campaign's category is ${campaign.category}`,
          field: "category",
        }),
      );
    } else if (campaign.channels.length > 0 && !campaign.channels.includes(work.channel)) {
      fail(
        item,
        new AppError("unprocessable", {
          message: "the campaign does not use this channel",
          field: "channel",
        }),
      );
    } else {
      item.category = campaign.category;
    }
  }
}

async function assignContacts(
  tx: TTx,
  items: TItem[],
  o: TAcceptBatchOptions,
  resolved: TAcceptBatchResult["resolved"],
): Promise<void> {
  const now = o.now.getTime();
  const byContactId = new Map<string, TItem[]>();
  const toCreate: TItem[] = [];
  // Addresses this process has not seen yet, per workspace, looked up in one statement each.
  const lookups = new Map<string, { item: TItem; kind: TContactIdentityKind; index: string }[]>();
  for (const item of live(items)) {
    const { work } = item;
    const keys = o.keys.get(work.workspaceId);
    if (!keys) throw new Error("workspace keys missing");
    if (work.contactId !== undefined) {
      const group = `${work.workspaceId}\u0000${work.channel}`;
      const list = byContactId.get(group);
      if (list) list.push(item);
      else byContactId.set(group, [item]);
      continue;
    }
    if (work.to === undefined) continue;
    item.address = work.to.address;
    const hit = cachedContact(work.workspaceId, work.channel, work.to.address, now);
    if (hit !== undefined) {
      item.contactId = hit;
      continue;
    }
    try {
      const n = normalizeAddress(work.channel, work.to.address, work.to.field);
      const list = lookups.get(work.workspaceId) ?? [];
      list.push({ item, kind: n.kind, index: blindIndex(keys, n.kind, n.address) });
      lookups.set(work.workspaceId, list);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      fail(item, error);
    }
  }
  // The addresses of the contacts to create, per workspace: locked all at once, below.
  const creating = new Map<string, { kind: TContactIdentityKind; index: string }[]>();
  for (const [workspaceId, list] of lookups) {
    const found = await findContactsByIdentity(tx, {
      workspaceId,
      items: list.map(({ item, kind, index }) => ({ channel: item.work.channel, kind, index })),
    });
    for (const { item, kind, index } of list) {
      const contactId = found.get(`${item.work.channel}:${index}`);
      if (contactId === undefined) {
        toCreate.push(item);
        const locks = creating.get(workspaceId) ?? [];
        locks.push({ kind, index });
        creating.set(workspaceId, locks);
        continue;
      }
      item.contactId = contactId;
      resolved.push({
        workspaceId,
        channel: item.work.channel,
        address: item.address ?? "",
        contactId,
      });
    }
  }
  // Their address locks in the one order every writer of several addresses takes them (lockAddresses:
  // an import, a new contact with several identities, another batch), workspaces in id order; creating
  // each contact below takes its lock again without waiting. Locked one by one in any other order, a
  // batch could deadlock with an import naming the same people.
  for (const workspaceId of [...creating.keys()].sort())
    await lockAddresses(tx, { workspaceId, addresses: creating.get(workspaceId) ?? [] });
  // New contacts in a stable order (the ids they are given follow it).
  toCreate.sort((a, b) =>
    `${a.work.workspaceId}\u0000${a.work.to?.address}`.localeCompare(
      `${b.work.workspaceId}\u0000${b.work.to?.address}`,
    ),
  );
  for (const item of toCreate) {
    const { work } = item;
    const keys = o.keys.get(work.workspaceId);
    if (!keys || work.to === undefined) continue;
    try {
      const created = await resolveContactByAddress(tx, keys, {
        workspaceId: work.workspaceId,
        channel: work.channel,
        address: work.to.address,
        create: true,
        field: work.to.field,
      });
      if (!created) throw new Error("contact not created");
      item.contactId = created.contactId;
      resolved.push({
        workspaceId: work.workspaceId,
        channel: work.channel,
        address: work.to.address,
        contactId: created.contactId,
      });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      fail(item, error);
    }
  }
  for (const group of byContactId.values()) {
    const first = group[0];
    if (!first) continue;
    const keys = o.keys.get(first.work.workspaceId);
    if (!keys) continue;
    const addresses = await getContactAddresses(tx, keys, {
      workspaceId: first.work.workspaceId,
      contactIds: group.map((i) => i.work.contactId ?? ""),
      channel: first.work.channel,
    });
    for (const item of group) {
      const address = item.work.contactId === undefined ? undefined : addresses.get(item.work.contactId);
      if (address !== undefined) {
        item.contactId = item.work.contactId;
        item.address = address;
      } else
        fail(
          item,
          new AppError("unprocessable", {
            message: "the contact has no address on this channel",
            field: "contactId",
          }),
        );
    }
  }
}

/**
 * The sealed API key secrets that will sign Twilio-compatible StatusCallbacks, stored with the first
 * message that asks for them and is not refused (a refused send keeps nothing of its caller's).
 */
async function storeCallbackKeys(tx: TTx, items: TItem[]): Promise<void> {
  const keep = new Map<string, { ws: string; sealed: string }>();
  for (const i of items) {
    const t = i.work.twilio;
    if (t?.callbackKeyId && t.callbackKeySealed && i.status !== undefined && i.status !== "suppressed")
      keep.set(t.callbackKeyId, { ws: i.work.workspaceId, sealed: t.callbackKeySealed });
  }
  if (keep.size === 0) return;
  const list = [...keep].map(([id, k]) => ({ id, ws: k.ws, sealed: k.sealed }));
  await tx.execute(sql`insert into twilio_callback_keys (api_key_id, workspace_id, token_sealed)
    select k.id, k.ws, k.sealed from json_to_recordset(${JSON.stringify(list)}::json) as k(id text, ws text, sealed text)
    on conflict (api_key_id) do nothing`);
}

/** A free-form message on a windowed channel, allowed so far: its customer-service window is checked. */
function asksWindow(i: TItem): boolean {
  return windowedChannels.has(i.work.channel) && i.work.contentKind !== "template" && i.status === "queued";
}

/**
 * The ids of the items whose customer-service window is open: the contact's last inbound message on the
 * sender is less than 24 hours old (7 days for a `human_agent` tagged message). One statement; the
 * database compares the times.
 */
async function openWindows(tx: TTx, items: TItem[], now: Date): Promise<Set<string>> {
  const open = new Set<string>();
  const asking = items.filter(asksWindow);
  if (asking.length === 0) return open;
  let longest = customerWindowMs;
  for (const i of asking) longest = Math.max(longest, customerWindowMsOf(i.work.content.tag));
  const found = await rows<{
    workspace_id: string;
    channel_account_id: string;
    contact_id: string;
    recent: boolean;
  }>(
    tx,
    sql`select w.workspace_id, w.channel_account_id, w.contact_id,
        w.last_inbound_at > ${new Date(now.getTime() - customerWindowMs)} as recent
      from customer_windows w
      where w.workspace_id = any(${sql.param([...new Set(asking.map((i) => i.work.workspaceId))])}::text[])
        and w.channel_account_id = any(${sql.param([...new Set(asking.map((i) => i.account?.id ?? ""))])}::text[])
        and w.contact_id = any(${sql.param([...new Set(asking.map((i) => i.contactId ?? ""))])}::text[])
        and w.last_inbound_at > ${new Date(now.getTime() - longest)}`,
  );
  // Found: within the longest window asked for (7 days when a tagged message asks); recent: within 24 hours.
  const windows = new Map<string, boolean>();
  for (const r of found)
    windows.set(`${r.workspace_id}\u0000${r.channel_account_id}\u0000${r.contact_id}`, r.recent);
  for (const item of asking) {
    const recent = windows.get(`${item.work.workspaceId}\u0000${item.account?.id}\u0000${item.contactId}`);
    if (recent === true || (recent === false && item.work.content.tag === "human_agent")) open.add(item.id);
  }
  return open;
}

/** queued / scheduled / suppressed, from the decision, the schedule and the customer-service window. */
async function assignStatuses(tx: TTx, items: TItem[], now: Date): Promise<void> {
  for (const item of items) {
    const d = item.decision;
    if (!d) continue;
    const scheduledAt = item.work.scheduledAt && item.work.scheduledAt > now ? item.work.scheduledAt : null;
    if (d.allowed) {
      item.status = scheduledAt ? "scheduled" : "queued";
      item.reason = scheduledAt ? "scheduled" : null;
      item.dueAt = scheduledAt ?? now;
      item.notBefore = scheduledAt;
    } else if (d.reason === "quiet_hours" && d.notBefore) {
      const due = scheduledAt && scheduledAt > d.notBefore ? scheduledAt : d.notBefore;
      item.status = "scheduled";
      item.reason = "quiet_hours";
      item.dueAt = due;
      item.notBefore = due;
    } else {
      item.status = "suppressed";
      item.reason = d.reason;
      item.dueAt = null;
      item.notBefore = null;
    }
  }
  const open = await openWindows(tx, items, now);
  for (const item of items) {
    if (!asksWindow(item)) continue;
    if (!open.has(item.id)) {
      item.status = "suppressed";
      item.reason = "outside_session_window";
      item.dueAt = null;
    }
  }
}

/** One row of `assent_accept_messages` (migration 0345); absent keys are null. */
function acceptRow(item: TItem, o: TAcceptBatchOptions): Record<string, unknown> {
  const { work } = item;
  return {
    id: item.id,
    ws: work.workspaceId,
    brand: work.brandId,
    campaign: work.campaignId,
    contact: item.contactId ?? "",
    channel: work.channel,
    account: item.account?.id ?? "",
    category: item.category ?? "marketing",
    source: work.source,
    status: item.status ?? "suppressed",
    reason: item.reason ?? undefined,
    not_before: item.notBefore ?? undefined,
    due_at: item.dueAt ?? undefined,
    kind: work.contentKind,
    content: sealContent(item, o),
    segments: work.segments,
    ikey: work.idempotencyKey,
    rhash: work.requestHash,
    ledger: item.decision?.ledgerEntryIds,
    tsid: work.twilio?.sid,
    callback: work.twilio?.statusCallbackUrl,
    ckey: work.twilio?.callbackKeyId,
    // The accept decision, on the row (the timeline's `decided` at accept; migration 0345).
    allowed: item.decision?.allowed,
    decision: item.decision?.reason,
    basis: item.decision?.basis ?? undefined,
  };
}

/**
 * The messages (each with its accept decision, which the timeline shows), (Postgres) the dispatcher wake-up
 * and, when given, the batch's audit append in one statement: the send path's round trips are its cost. The
 * rows travel as one JSON parameter to a PL/pgSQL function whose plan is kept per session (migrations 0320,
 * 0345).
 */
async function insertMessages(
  tx: TTx,
  items: TItem[],
  o: TAcceptBatchOptions,
  audit: TAuditAppendStatement | undefined,
  commit: boolean,
): Promise<Set<string>> {
  const call = sql`assent_accept_messages(${JSON.stringify(items.map((i) => acceptRow(i, o)))}::json,
    ${o.now.toISOString()}::timestamptz, ${o.notify}::boolean)`;
  const query = audit
    ? sql`with m as (select ${call} as ids), aud as (${audit.query})
          select (select ids from m) as ids, (select row_to_json(a) from aud a) as audit`
    : sql`select ${call} as ids`;
  type TRow = { ids: string[] | string; audit?: TAuditAppendHead | null };
  const inserted = commit ? await commitWith<TRow>(tx, query) : await rows<TRow>(tx, query);
  const row = inserted[0];
  // Once committed, the database has checked the chain itself (checkedByDatabase): nothing to roll back.
  if (audit && !commit) audit.verify(row?.audit ?? undefined);
  const ids = typeof row?.ids === "string" ? (JSON.parse(row.ids) as string[]) : (row?.ids ?? []);
  return new Set(ids);
}

function sealContent(item: TItem, o: TAcceptBatchOptions): string {
  const keys = o.keys.get(item.work.workspaceId);
  if (!keys) throw new Error("workspace keys missing");
  return encryptField(
    keys,
    item.work.workspaceId,
    JSON.stringify({ to: item.address, ...item.work.content }),
  );
}

function acceptedOf(item: TItem, now: Date): TAcceptedMessage {
  return {
    id: item.id,
    status: item.status ?? "suppressed",
    reason: item.reason ?? null,
    notBefore: item.notBefore ?? null,
    contactId: item.contactId ?? "",
    channelAccountId: item.account?.id ?? "",
    createdAt: now,
    replayed: false,
    twilioSid: item.work.twilio?.sid ?? null,
  };
}

/**
 * The audit record of a batch: one event per workspace and actor. A lone message keeps the per-message
 * shape (`message.accepted`, target = the message, its request id); several become one
 * `messages.accepted` event listing the message ids (and their request ids, in the same order) with
 * counts per status — the chain then commits to exactly which messages were accepted by whom, at the
 * cost of one audit row per batch instead of one per message. The per-message detail (decision, ledger
 * entries) is on each message's row, in accept columns no update may change (migration 0345).
 */
function acceptedAudits(items: TItem[], o: TAcceptBatchOptions): TAuditEvent[] {
  const groups = new Map<string, TItem[]>();
  for (const item of items) {
    const k = `${item.work.workspaceId}\u0000${item.work.actor.type}\u0000${item.work.actor.id ?? ""}`;
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()].flatMap((group): TAuditEvent[] => {
    const first = group[0];
    if (!first) return [];
    const { work } = first;
    if (group.length === 1) {
      return [
        {
          workspaceId: work.workspaceId,
          actor: work.actor,
          action: "message.accepted",
          targetType: "message",
          targetId: first.id,
          requestId: work.requestId,
          at: o.now,
          details: {
            status: first.status ?? null,
            reason: first.reason ?? null,
            channel: work.channel,
            category: first.category ?? null,
          },
        },
      ];
    }
    const count = (status: TMessageStatus) => group.filter((i) => i.status === status).length;
    return [
      {
        workspaceId: work.workspaceId,
        actor: work.actor,
        action: "messages.accepted",
        targetType: "message_batch",
        at: o.now,
        details: {
          count: group.length,
          queued: count("queued"),
          scheduled: count("scheduled"),
          suppressed: count("suppressed"),
          messageIds: group.map((i) => i.id).join(","),
          requestIds: group.map((i) => i.work.requestId ?? "").join(","),
        },
      },
    ];
  });
}

async function recordAccepted(
  tx: TTx,
  items: TItem[],
  o: TAcceptBatchOptions,
  audited: boolean,
): Promise<void> {
  const hooks: TMessageWebhookEvent[] = items.map((item) => ({
    workspaceId: item.work.workspaceId,
    type: `message.${item.status === "queued" ? "queued" : item.status === "scheduled" ? "scheduled" : "suppressed"}`,
    at: o.now,
    data: {
      messageId: item.id,
      status: item.status,
      reason: item.reason ?? null,
      contactId: item.contactId,
      brandId: item.work.brandId,
      channel: item.work.channel,
      category: item.category,
      ...(item.notBefore ? { notBefore: item.notBefore.toISOString() } : {}),
    },
  }));
  await emitWebhookEvents(tx, hooks);
  // Written right before COMMIT (recordAudit), so the workspace's chain head is held only then.
  if (!audited) await recordAudit(tx, acceptedAudits(items, o));
}

/**
 * The body of one group commit: every request of the batch is answered from one transaction. Expected
 * refusals (unknown sender, invalid address, …) fail only their item; a database error fails the
 * transaction, and the caller then retries the items one by one (only when the error proves the
 * transaction rolled back: see GroupCommit).
 */
export async function acceptMessageBatch(
  tx: TTx,
  works: TSendWork[],
  o: TAcceptBatchOptions,
): Promise<TAcceptBatchResult> {
  const items: TItem[] = works.map((work) => ({ work, id: newId("msg") }));
  const resolved: TAcceptBatchResult["resolved"] = [];
  await settleIdempotency(tx, items);
  await assignSenders(tx, items);
  await assignCategories(tx, items, o.cache);
  await assignContacts(tx, items, o, resolved);
  const deciding = live(items);
  const { decisions, missed } = await decideWarm(
    tx,
    o.cache,
    deciding.map((i) => ({
      workspaceId: i.work.workspaceId,
      contactId: i.contactId ?? "",
      brandId: i.work.brandId,
      campaignId: i.work.campaignId ?? null,
      channel: i.work.channel,
      category: i.category ?? "marketing",
      at: o.now,
      recipient: i.address,
    })),
  );
  deciding.forEach((item, n) => {
    item.decision = decisions[n];
  });
  await assignStatuses(tx, deciding, o.now);
  await storeCallbackKeys(tx, deciding);
  // Without Idempotency-Keys every row is inserted, so the batch's audit event can be appended by the
  // insert statement itself (one round trip less; the chain head is then held from it to COMMIT), and
  // when the batch is the transaction's whole work that statement also COMMITs (one more round trip
  // less): the webhook outbox rows are then written before it, and the database checks the audit chain.
  const workspaces = new Set(deciding.map((i) => i.work.workspaceId));
  const [onlyWorkspace] = workspaces;
  const embedded =
    workspaces.size === 1 &&
    onlyWorkspace !== undefined &&
    deciding.every((i) => i.work.idempotencyKey === undefined);
  const commit = embedded && o.last === true;
  const audit = embedded
    ? auditAppendStatement(onlyWorkspace, acceptedAudits(deciding, o), { checkedByDatabase: commit })
    : undefined;
  if (commit) {
    await recordAccepted(tx, deciding, o, true);
    const inserted = await insertMessages(tx, deciding, o, audit, true);
    for (const item of deciding) {
      item.outcome = inserted.has(item.id)
        ? { ok: true, value: acceptedOf(item, o.now) }
        : { ok: false, error: new Error("message not stored") };
    }
    return {
      outcomes: items.map((i) => (i.follows === undefined ? i.outcome : undefined)),
      resolved,
      missed,
    };
  }
  const inserted =
    deciding.length > 0 ? await insertMessages(tx, deciding, o, audit, false) : new Set<string>();
  const lostRace = deciding.filter((i) => !inserted.has(i.id));
  if (lostRace.length > 0) {
    // Another transaction stored the same Idempotency-Key meanwhile: answer with its message.
    const existing = await existingByKey(tx, lostRace);
    for (const item of lostRace) {
      const row = existing.get(`${item.work.workspaceId}\u0000${item.work.idempotencyKey}`);
      item.outcome = row ? replayOf(item, row) : { ok: false, error: new Error("message not stored") };
    }
  }
  const stored = deciding.filter((i) => inserted.has(i.id));
  if (stored.length > 0) await recordAccepted(tx, stored, o, audit !== undefined);
  for (const item of stored) item.outcome = { ok: true, value: acceptedOf(item, o.now) };
  return { outcomes: items.map((i) => (i.follows === undefined ? i.outcome : undefined)), resolved, missed };
}
