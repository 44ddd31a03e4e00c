import { type SQL, sql } from "drizzle-orm";
import { recordAudit } from "../../../core/audit.js";
import { rows, type TTx } from "../../../core/db/tx.js";
import { decryptField, type TWorkspaceKeys } from "../../../core/keyring.js";
import type { TChannel } from "../../channels/index.js";
import { customerWindowMs, customerWindowMsOf, windowedChannels } from "../content-rules.js";
import { jsonMap } from "../json-map.js";
import type { TMessageContent, TMessageStatus } from "../messaging.types.js";
import { decideMany, getContactAddresses, listUnreachable, type TDecision } from "../ports.js";
import { recordStatusEffects, type TStatusChange } from "../status-effects.js";
import { planWithout } from "./plan-without.js";
import { scalarJsonMap } from "./scalar-json-map.js";
import type { RecipientPacer } from "./send-rate-limiter.js";

export interface TClaimSender {
  id: string;
  workspaceId: string;
  channel: TChannel;
  keys: TWorkspaceKeys;
  idempotentSends: boolean;
  pacer: RecipientPacer | undefined;
}

/** A message this worker may now hand to the adapter. */
export interface TClaimedMessage {
  id: string;
  workspaceId: string;
  contactId: string;
  address: string;
  content: TMessageContent;
  segments: number;
  attempts: number;
  /** When it was due (epoch ms, rounded down): a message given back unsent keeps its place in the queue. */
  dueMs: number;
  /** When the dispatch decision was taken (after the consent locks were granted). */
  claimedAt: Date;
  statusCallbackUrl: string | null;
  callbackKeyId: string | null;
  /** Telegram Business: the connection the recipient last wrote on (enabled), to answer through. */
  businessConnectionId?: string | undefined;
}

/**
 * Telegram: the Business connection each recipient last wrote through, while that connection is enabled
 * and may reply, and within the 24 hours Telegram allows a business to answer (migration 0347).
 * Recipients who last wrote to the bot itself, or longer ago, are sent to from the bot.
 */
async function businessRoutes(tx: TTx, s: TClaimSender, contactIds: string[]): Promise<Map<string, string>> {
  if (s.channel !== "telegram") return new Map();
  const found = await rows<{ contact_id: string; business_connection_id: string }>(
    tx,
    sql`select w.contact_id, w.business_connection_id from customer_windows w
      left join telegram_business_connections b
        on b.channel_account_id = w.channel_account_id and b.business_connection_id = w.business_connection_id
      where w.workspace_id = ${s.workspaceId} and w.channel_account_id = ${s.id}
        and w.contact_id = any(${sql.param(contactIds)}::text[]) and w.business_connection_id is not null
        and w.last_inbound_at > now() - interval '24 hours' and coalesce(b.enabled and b.can_reply, true)`,
  );
  return new Map(found.map((r) => [r.contact_id, r.business_connection_id]));
}

export type TClaimResult = { lost: true } | { lost: false; candidates: number; claimed: TClaimedMessage[] };

interface TCandidate {
  id: string;
  workspace_id: string;
  brand_id: string;
  campaign_id: string | null;
  contact_id: string;
  category: "marketing" | "transactional" | "authentication";
  source: string;
  content_kind: string;
  content_sealed: string;
  segments: number;
  attempts: number;
  status_callback_url: string | null;
  callback_key_id: string | null;
  due_ms: number;
}

interface TPlan {
  c: TCandidate;
  /** null: stays in its status, only due_at moves (recipient pacing). */
  status: TMessageStatus | null;
  reason: string | null;
  dueAt: Date | null;
  decision: TDecision | undefined;
  address?: string;
  /** Recipient pacing state before this claim took the recipient's slot (restored if it is not sent). */
  pacerPrevious?: number | undefined;
}

async function lookupSets(
  tx: TTx,
  s: TClaimSender,
  contactIds: string[],
  now: Date,
  longestWindowMs: number,
) {
  const unreachable = await listUnreachable(tx, {
    pairs: contactIds.map((contactId) => ({ workspaceId: s.workspaceId, channelAccountId: s.id, contactId })),
  });
  // Windows open for the longest window asked for (7 days when a human_agent message is among the
  // candidates); `recent`: within 24 hours. The database compares the times.
  const windows = windowedChannels.has(s.channel)
    ? await rows<{ contact_id: string; recent: boolean }>(
        tx,
        sql`select contact_id, last_inbound_at > ${new Date(now.getTime() - customerWindowMs)} as recent
          from customer_windows where workspace_id = ${s.workspaceId} and channel_account_id = ${s.id}
          and contact_id = any(${sql.param(contactIds)}::text[])
          and last_inbound_at > ${new Date(now.getTime() - longestWindowMs)}`,
      )
    : [];
  return {
    unreachable: new Set([...unreachable].map((k) => k.slice(s.id.length + 1))),
    windowOpen: new Set(windows.filter((r) => r.recent).map((r) => r.contact_id)),
    humanAgentWindowOpen: new Set(windows.map((r) => r.contact_id)),
  };
}

function planOne(
  c: TCandidate,
  decision: TDecision | undefined,
  content: TMessageContent | undefined,
  address: string | undefined,
  ctx: {
    unreachable: ReadonlySet<string>;
    windowOpen: ReadonlySet<string>;
    /** Contacts whose last inbound message is less than 7 days old (when a human_agent message asked). */
    humanAgentWindowOpen: ReadonlySet<string>;
    windowed: boolean;
    pacer: RecipientPacer | undefined;
    nowMs: number;
  },
): TPlan {
  // Object literals of one shape (no spreads): this runs once per message.
  if (decision && !decision.allowed) {
    if (decision.reason === "quiet_hours" && decision.notBefore) {
      return { c, decision, status: "scheduled", reason: "quiet_hours", dueAt: decision.notBefore };
    }
    return { c, decision, status: "suppressed", reason: decision.reason, dueAt: null };
  }
  if (address === undefined)
    return { c, decision, status: "failed", reason: "recipient_address_missing", dueAt: null };
  if (ctx.unreachable.has(c.contact_id))
    return { c, decision, status: "failed", reason: "recipient_unreachable", dueAt: null };
  if (
    ctx.windowed &&
    c.content_kind !== "template" &&
    !(content?.tag === "human_agent" ? ctx.humanAgentWindowOpen : ctx.windowOpen).has(c.contact_id)
  ) {
    return { c, decision, status: "failed", reason: "outside_session_window", dueAt: null };
  }
  if (ctx.pacer) {
    const next = ctx.pacer.nextAt(c.contact_id);
    if (next > ctx.nowMs) {
      const due = Number.isFinite(next) ? next : ctx.nowMs + ctx.pacer.intervalMs;
      return { c, decision, status: null, reason: null, dueAt: new Date(due) };
    }
    const pacerPrevious = ctx.pacer.begin(c.contact_id);
    return { c, decision, status: "sending", reason: null, dueAt: null, address, pacerPrevious };
  }
  return { c, decision, status: "sending", reason: null, dueAt: null, address };
}

const idOf = (p: TPlan): string => p.c.id;
const ledgerOf = (p: TPlan): string | null => (p.decision ? p.decision.ledgerEntryIds.join(",") : null);
const dispatchReasonOf = (p: TPlan): string | null =>
  p.decision?.reason ?? (p.c.source === "compliance" ? "compliance_reply" : null);

async function applyPlans(tx: TTx, s: TClaimSender, holder: string, leaseMs: number, plans: TPlan[]) {
  // Per-row values travel as jsonb objects keyed by message id and rows are found by primary key
  // (id = any(...)): no join whose plan could go wrong when the planner misjudges a queue's statuses.
  // The common case, `sending`, sets constants and reads its ledger entries and reason from two scalar
  // maps (a nested object per row costs a copy per lookup); every other outcome (suppressed, scheduled,
  // failed, paced) goes through the general update. One statement; a part with no rows is left out.
  // Message and ledger entry ids never contain a comma (prefixed ids): id lists travel as one text
  // (string_to_array is folded into a constant array when the statement is planned). A part that
  // takes every claimable row needs no list of its own.
  const sending = plans.filter((p) => p.status === "sending");
  const others = plans.filter((p) => p.status !== "sending");
  const parts: SQL[] = [];
  if (sending.length > 0)
    parts.push(sql`claimed as (
        update messages m set status = 'sending', reason = null, due_at = null,
          decision_ledger_ids = coalesce(string_to_array(sl.j ->> m.id, ','), m.decision_ledger_ids),
          lease_until = now() + ${leaseMs} * interval '1 millisecond', lease_holder = ${holder},
          idempotent_send = ${s.idempotentSends}, claimed_at = clock_timestamp(),
          dispatch_reason = coalesce(sr.j ->> m.id, m.dispatch_reason), attempts = m.attempts + 1,
          updated_at = now()
        from (select ${scalarJsonMap(sending, idOf, ledgerOf)}::jsonb as j) sl, (select ${scalarJsonMap(sending, idOf, dispatchReasonOf)}::jsonb as j) sr
        where m.ctid = any(array(select ctid from claimable ${others.length > 0 ? sql`where id = any(string_to_array(${sending.map((p) => p.c.id).join(",")}, ','))` : sql``}))
        returning m.id, floor(extract(epoch from m.claimed_at) * 1000)::float8 as claimed_ms, m.status
      ),
      leased as (
        insert into message_leases (workspace_id, channel_account_id, holder, lease_until, message_ids)
        select ${s.workspaceId}, ${s.id}, ${holder}, now() + ${leaseMs} * interval '1 millisecond', array_agg(id)
        from claimed having count(*) > 0
      )`);
  if (others.length > 0) {
    const otherValues = jsonMap(others, (p) => ({
      st: p.status,
      rs: p.reason,
      due: p.dueAt?.toISOString() ?? null,
      led: p.decision ? p.decision.ledgerEntryIds : null,
      dr: dispatchReasonOf(p),
    }));
    parts.push(sql`moved as (
        update messages m set
          status = coalesce(ov.j -> m.id ->> 'st', m.status),
          reason = case when ov.j -> m.id ->> 'st' is null then m.reason else ov.j -> m.id ->> 'rs' end,
          due_at = case when ov.j -> m.id ->> 'st' is null or ov.j -> m.id ->> 'st' = 'scheduled'
            then (ov.j -> m.id ->> 'due')::timestamptz else null end,
          not_before = case when ov.j -> m.id ->> 'st' = 'scheduled'
            then (ov.j -> m.id ->> 'due')::timestamptz else m.not_before end,
          decision_ledger_ids = case when jsonb_typeof(ov.j -> m.id -> 'led') = 'array'
            then array(select jsonb_array_elements_text(ov.j -> m.id -> 'led')) else m.decision_ledger_ids end,
          lease_until = null, lease_holder = null,
          dispatch_reason = coalesce(ov.j -> m.id ->> 'dr', m.dispatch_reason),
          updated_at = now()
        from (select ${otherValues}::jsonb as j) ov
        where m.ctid = any(array(select ctid from claimable ${sending.length > 0 ? sql`where id = any(string_to_array(${others.map((p) => p.c.id).join(",")}, ','))` : sql``}))
        returning m.id, floor(extract(epoch from m.claimed_at) * 1000)::float8 as claimed_ms, m.status
      )`);
  }
  const results = [
    sending.length > 0 ? sql`select * from claimed` : undefined,
    others.length > 0 ? sql`select * from moved` : undefined,
  ].filter((q): q is SQL => q !== undefined);
  // The picked rows are locked by primary key alone (with a status condition the planner may walk the
  // whole queue in messages_due instead), and only those still queued or scheduled and this sender's,
  // as locked, are updated. The updates find them by the tuple ids the locks returned (a TID scan: no
  // second index descent per row); a locked version cannot be updated by anyone else, so its tuple id
  // holds until this statement updates it. (A row another transaction changed after this statement's
  // snapshot is locked in its newest version, which the snapshot does not see: it is left as it is, not
  // claimed, as a row locked elsewhere is.) No sequential scan: see plan-without.ts.
  const restoreScan = await planWithout(tx, ["enable_seqscan"]);
  // Claim times travel as epoch milliseconds (truncated, as a timestamp's text is read): cheaper than a date's text.
  return rows<{ id: string; claimed_ms: number | null; status: TMessageStatus }>(
    tx,
    sql`with restored as (${restoreScan}),
      locked as (
        select id, ctid, status, channel_account_id from messages
        where (select count(*) from restored) = 1 and id = any(string_to_array(${plans.map((p) => p.c.id).join(",")}, ','))
        for update skip locked
      ),
      claimable as (
        select id, ctid from locked where status in ('queued', 'scheduled') and channel_account_id = ${s.id}
      ),
      ${sql.join(parts, sql`, `)}
      ${sql.join(results, sql` union all `)}`,
  );
}

function changeOf(p: TPlan, at: Date): TStatusChange | undefined {
  if (p.status === null) return undefined;
  const { c } = p;
  if (p.status === "sending")
    return {
      workspaceId: c.workspace_id,
      messageId: c.id,
      at,
      reason: p.reason,
      statusCallbackUrl: c.status_callback_url,
      callbackKeyId: c.callback_key_id,
      status: "sending",
      event: null,
    };
  const d = p.decision;
  const decision = d
    ? { allowed: d.allowed, reason: d.reason, basis: d.basis, ledgerEntryIds: d.ledgerEntryIds }
    : undefined;
  const base = {
    workspaceId: c.workspace_id,
    messageId: c.id,
    at,
    reason: p.reason,
    statusCallbackUrl: c.status_callback_url,
    callbackKeyId: c.callback_key_id,
  };
  switch (p.status) {
    case "suppressed":
      return { ...base, status: "suppressed", event: "suppressed", details: { decision } };
    case "scheduled":
      return {
        ...base,
        status: "scheduled",
        event: "scheduled",
        details: { decision, notBefore: p.dueAt?.toISOString() },
      };
    default:
      return { ...base, status: "failed", event: "failed", details: { stage: "dispatch" } };
  }
}

/**
 * One claim transaction for one leased sender: check the lease is still ours, pick due messages, decide
 * AGAIN against the consent ledger with FOR SHARE on each contact's consent head (an opt-out takes FOR
 * UPDATE on the same row, so the two are serialised), then lock the picked rows (SKIP LOCKED) and mark
 * each `sending` with a lease (on the row, and one message_leases row listing the claim's messages, which
 * crash recovery sweeps), or suppressed / scheduled (quiet hours) / failed with its reason. The
 * consent locks are taken before the message row locks, in the same order as an opt-out transaction.
 */
export async function claimMessages(
  tx: TTx,
  o: {
    sender: TClaimSender;
    holder: string;
    limit: number;
    senderLeaseMs: number;
    messageLeaseMs: number;
    /**
     * Concurrent claimers of one sender each take their share of the due messages, by recipient (so two
     * lanes never share-lock the same consent head, and one recipient's messages stay in one lane).
     */
    lane?: { index: number; of: number } | undefined;
  },
): Promise<TClaimResult> {
  const s = o.sender;
  // Walking messages_due in due order and stopping at the limit is the plan wanted at any queue size;
  // without sorts the planner cannot read and sort the whole queue instead (see plan-without.ts).
  const restoreSort = await planWithout(tx, ["enable_sort"]);
  // The lease check and the pick are one statement: a lost lease picks nothing, and so does a sender
  // disabled since this worker took it (its queue is failed by the disabled-sender sweep, never sent).
  // FOR SHARE keeps a takeover out until this claim commits, and lets this worker's other lanes run.
  const picked = await rows<Omit<TCandidate, "id"> & { id: string | null; fenced: number; restored: number }>(
    tx,
    sql`with restored as (${restoreSort}),
      fence as (
        select 1 from sender_leases
        where channel_account_id = ${s.id} and holder = ${o.holder} and lease_until > now()
          and exists (select 1 from channel_accounts a where a.id = ${s.id} and a.status = 'active')
        for share
      ),
      picked as (
        select m.id, m.workspace_id, m.brand_id, m.campaign_id, m.contact_id, m.category, m.source, m.content_kind,
          m.content_sealed, m.segments, m.attempts, m.status_callback_url, m.callback_key_id, m.due_at
        from messages m where exists (select 1 from fence) and m.channel_account_id = ${s.id}
          and m.status in ('queued', 'scheduled') and m.due_at <= now()
          ${o.lane ? sql`and (hashtext(m.contact_id) & 2147483647) % ${o.lane.of} = ${o.lane.index}` : sql``}
        order by m.due_at limit ${o.limit}
      )
      select (select count(*) from fence)::int as fenced, (select count(*) from restored)::int as restored,
        p.id, p.workspace_id, p.brand_id, p.campaign_id, p.contact_id, p.category, p.source, p.content_kind,
        p.content_sealed, p.segments, p.attempts, p.status_callback_url, p.callback_key_id,
        floor(extract(epoch from p.due_at) * 1000)::float8 as due_ms
      from (select 1) as one left join picked p on true
      order by p.due_at`,
  );
  if ((picked[0]?.fenced ?? 0) === 0) return { lost: true };
  const candidates = picked.filter(
    (c): c is TCandidate & { fenced: number; restored: number } => c.id !== null,
  );
  if (candidates.length === 0) return { lost: false, candidates: 0, claimed: [] };
  const now = new Date();
  const contents = new Map(
    candidates.map((c) => [
      c.id,
      JSON.parse(decryptField(s.keys, c.workspace_id, c.content_sealed)) as TMessageContent,
    ]),
  );
  const deciding = candidates.filter((c) => c.source !== "compliance");
  const decisions = await decideMany(
    tx,
    deciding.map((c) => ({
      workspaceId: c.workspace_id,
      contactId: c.contact_id,
      brandId: c.brand_id,
      campaignId: c.campaign_id,
      channel: s.channel,
      category: c.category,
      at: now,
      recipient: contents.get(c.id)?.to,
    })),
    { lock: "share" },
  );
  const decisionOf = new Map<string, TDecision>();
  deciding.forEach((c, n) => {
    const d = decisions[n];
    if (d) decisionOf.set(c.id, d);
  });
  const contactIds = [...new Set(candidates.map((c) => c.contact_id))];
  // The address is sealed with the message at accept time; only messages queued without one (compliance
  // replies) need the contact's address.
  const without = [
    ...new Set(candidates.filter((c) => contents.get(c.id)?.to === undefined).map((c) => c.contact_id)),
  ];
  const addresses =
    without.length > 0
      ? await getContactAddresses(tx, s.keys, {
          workspaceId: s.workspaceId,
          contactIds: without,
          channel: s.channel,
        })
      : new Map<string, string>();
  let longestWindowMs = customerWindowMs;
  if (windowedChannels.has(s.channel))
    for (const content of contents.values())
      longestWindowMs = Math.max(longestWindowMs, customerWindowMsOf(content.tag));
  const sets = await lookupSets(tx, s, contactIds, now, longestWindowMs);
  const routes = await businessRoutes(tx, s, contactIds);
  const planning = {
    unreachable: sets.unreachable,
    windowOpen: sets.windowOpen,
    humanAgentWindowOpen: sets.humanAgentWindowOpen,
    windowed: windowedChannels.has(s.channel),
    pacer: s.pacer,
    nowMs: now.getTime(),
  };
  const plans = candidates.map((c) => {
    const content = contents.get(c.id);
    return planOne(c, decisionOf.get(c.id), content, content?.to ?? addresses.get(c.contact_id), planning);
  });
  const applied = await applyPlans(tx, s, o.holder, o.messageLeaseMs, plans);
  const appliedAt = new Map(applied.map((r) => [r.id, r.claimed_ms]));
  const done = plans.filter((p) => appliedAt.has(p.c.id));
  for (const p of plans)
    if (p.status === "sending" && !appliedAt.has(p.c.id)) s.pacer?.cancel(p.c.contact_id, p.pacerPrevious);
  const at = new Date();
  const changes = done.map((p) => changeOf(p, at)).filter((c): c is TStatusChange => c !== undefined);
  await recordStatusEffects(tx, changes, at);
  const refused = done.filter((p) => p.status === "suppressed");
  if (refused.length > 0) {
    await recordAudit(
      tx,
      refused.map((p) => ({
        workspaceId: p.c.workspace_id,
        actor: { type: "system" as const, id: null },
        action: "message.suppressed",
        targetType: "message",
        targetId: p.c.id,
        at,
        details: { stage: "dispatch", reason: p.reason },
      })),
    );
  }
  const claimed: TClaimedMessage[] = [];
  for (const p of done) {
    if (p.status !== "sending" || p.address === undefined) continue;
    const claimedAt = appliedAt.get(p.c.id);
    claimed.push({
      id: p.c.id,
      workspaceId: p.c.workspace_id,
      contactId: p.c.contact_id,
      address: p.address,
      content: contents.get(p.c.id) ?? {},
      segments: p.c.segments,
      attempts: p.c.attempts + 1,
      dueMs: p.c.due_ms,
      claimedAt: new Date(claimedAt ?? at.getTime()),
      statusCallbackUrl: p.c.status_callback_url,
      callbackKeyId: p.c.callback_key_id,
      businessConnectionId: routes.get(p.c.contact_id),
    });
  }
  return { lost: false, candidates: candidates.length, claimed };
}
