import { sql } from "drizzle-orm";
import { recordAudit } from "../../../core/audit.js";
import { rows, type TTx } from "../../../core/db/tx.js";
import { decryptField, type TWorkspaceKeys } from "../../../core/keyring.js";
import type { TChannel } from "../../channels/index.js";
import { customerWindowMs, windowedChannels } from "../content-rules.js";
import { jsonMap } from "../json-map.js";
import type { TMessageContent, TMessageStatus } from "../messaging.types.js";
import { decideMany, getContactAddresses, listUnreachable, type TDecision } from "../ports.js";
import { recordStatusEffects, type TStatusChange } from "../status-effects.js";
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
  /** When the dispatch decision was taken (after the consent locks were granted). */
  claimedAt: Date;
  statusCallbackUrl: string | null;
  callbackKeyId: string | null;
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
  status: TMessageStatus;
  content_kind: string;
  content_sealed: string;
  segments: number;
  attempts: number;
  status_callback_url: string | null;
  callback_key_id: string | null;
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

async function lookupSets(tx: TTx, s: TClaimSender, contactIds: string[], now: Date) {
  const unreachable = await listUnreachable(tx, {
    pairs: contactIds.map((contactId) => ({ workspaceId: s.workspaceId, channelAccountId: s.id, contactId })),
  });
  const windows = windowedChannels.has(s.channel)
    ? await rows<{ contact_id: string }>(
        tx,
        sql`select contact_id from customer_windows where workspace_id = ${s.workspaceId} and channel_account_id = ${s.id}
          and contact_id = any(${sql.param(contactIds)}::text[])
          and last_inbound_at > ${new Date(now.getTime() - customerWindowMs)}`,
      )
    : [];
  return {
    unreachable: new Set([...unreachable].map((k) => k.slice(s.id.length + 1))),
    windowOpen: new Set(windows.map((r) => r.contact_id)),
  };
}

function planOne(
  c: TCandidate,
  decision: TDecision | undefined,
  ctx: {
    address: string | undefined;
    unreachable: boolean;
    windowOpen: boolean;
    windowed: boolean;
    pacer: RecipientPacer | undefined;
    now: Date;
  },
): TPlan {
  const base = { c, decision };
  if (decision && !decision.allowed) {
    if (decision.reason === "quiet_hours" && decision.notBefore) {
      return { ...base, status: "scheduled", reason: "quiet_hours", dueAt: decision.notBefore };
    }
    return { ...base, status: "suppressed", reason: decision.reason, dueAt: null };
  }
  if (ctx.address === undefined)
    return { ...base, status: "failed", reason: "recipient_address_missing", dueAt: null };
  if (ctx.unreachable) return { ...base, status: "failed", reason: "recipient_unreachable", dueAt: null };
  if (ctx.windowed && c.content_kind !== "template" && !ctx.windowOpen) {
    return { ...base, status: "failed", reason: "outside_session_window", dueAt: null };
  }
  const nowMs = ctx.now.getTime();
  if (ctx.pacer) {
    const next = ctx.pacer.nextAt(c.contact_id);
    if (next > nowMs) {
      const due = Number.isFinite(next) ? next : nowMs + ctx.pacer.intervalMs;
      return { ...base, status: null, reason: null, dueAt: new Date(due) };
    }
    const pacerPrevious = ctx.pacer.begin(c.contact_id);
    return { ...base, status: "sending", reason: null, dueAt: null, address: ctx.address, pacerPrevious };
  }
  return { ...base, status: "sending", reason: null, dueAt: null, address: ctx.address };
}

async function applyPlans(tx: TTx, s: TClaimSender, holder: string, leaseMs: number, plans: TPlan[]) {
  // Per-row values travel as one jsonb object keyed by message id and rows are found by primary key
  // (id = any(...)): no join whose plan could go wrong when the planner misjudges a queue's statuses.
  // The common case, `sending`, sets constants and reads only its decision from the map; every other
  // outcome (suppressed, scheduled, failed, paced) goes through the general update. One statement.
  const sending = plans.filter((p) => p.status === "sending");
  const others = plans.filter((p) => p.status !== "sending");
  const sendingValues = jsonMap(sending, (p) => ({
    led: p.decision ? p.decision.ledgerEntryIds : null,
    dr: p.decision?.reason ?? (p.c.source === "compliance" ? "compliance_reply" : null),
  }));
  const otherValues = jsonMap(others, (p) => ({
    st: p.status,
    rs: p.reason,
    due: p.dueAt?.toISOString() ?? null,
    led: p.decision ? p.decision.ledgerEntryIds : null,
    dr: p.decision?.reason ?? (p.c.source === "compliance" ? "compliance_reply" : null),
  }));
  return rows<{ id: string; claimed_at: Date | string | null; status: TMessageStatus }>(
    tx,
    sql`with locked as (
        select id from messages
        where id = any(${sql.param(plans.map((p) => p.c.id))}::text[]) and status in ('queued', 'scheduled')
          and channel_account_id = ${s.id}
        for update skip locked
      ),
      sv as (select ${sendingValues}::jsonb as j),
      ov as (select ${otherValues}::jsonb as j),
      claimed as (
        update messages m set status = 'sending', reason = null, due_at = null,
          decision_ledger_ids = case when jsonb_typeof(sv.j -> m.id -> 'led') = 'array'
            then array(select jsonb_array_elements_text(sv.j -> m.id -> 'led')) else m.decision_ledger_ids end,
          lease_until = now() + ${leaseMs} * interval '1 millisecond', lease_holder = ${holder},
          idempotent_send = ${s.idempotentSends}, claimed_at = clock_timestamp(),
          dispatch_reason = coalesce(sv.j -> m.id ->> 'dr', m.dispatch_reason), attempts = m.attempts + 1,
          updated_at = now()
        from sv where m.id = any(array(select id from locked where id = any(${sql.param(sending.map((p) => p.c.id))}::text[])))
        returning m.id, m.claimed_at, m.status
      ),
      moved as (
        update messages m set
          status = coalesce(ov.j -> m.id ->> 'st', m.status),
          reason = case when ov.j -> m.id ->> 'st' is null then m.reason else ov.j -> m.id ->> 'rs' end,
          due_at = case when ov.j -> m.id ->> 'st' is null or ov.j -> m.id ->> 'st' = 'scheduled'
            then (ov.j -> m.id ->> 'due')::timestamptz else null end,
          decision_ledger_ids = case when jsonb_typeof(ov.j -> m.id -> 'led') = 'array'
            then array(select jsonb_array_elements_text(ov.j -> m.id -> 'led')) else m.decision_ledger_ids end,
          lease_until = null, lease_holder = null,
          dispatch_reason = coalesce(ov.j -> m.id ->> 'dr', m.dispatch_reason),
          updated_at = now()
        from ov where m.id = any(array(select id from locked where id = any(${sql.param(others.map((p) => p.c.id))}::text[])))
        returning m.id, m.claimed_at, m.status
      )
      select * from claimed union all select * from moved`,
  );
}

function changeOf(p: TPlan, at: Date): TStatusChange | undefined {
  if (p.status === null) return undefined;
  const d = p.decision;
  const decision = d
    ? { allowed: d.allowed, reason: d.reason, basis: d.basis, ledgerEntryIds: d.ledgerEntryIds }
    : undefined;
  const base = {
    workspaceId: p.c.workspace_id,
    messageId: p.c.id,
    at,
    reason: p.reason,
    statusCallbackUrl: p.c.status_callback_url,
    callbackKeyId: p.c.callback_key_id,
  };
  switch (p.status) {
    case "sending":
      return { ...base, status: "sending", event: null };
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
 * each `sending` with a lease, or suppressed / scheduled (quiet hours) / failed with its reason. The
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
  // The lease check and the pick are one statement: a lost lease picks nothing. FOR SHARE keeps a
  // takeover out until this claim commits, and lets this worker's other claim lanes run meanwhile.
  const picked = await rows<Omit<TCandidate, "id"> & { id: string | null; fenced: number }>(
    tx,
    sql`with fence as (
        select 1 from sender_leases
        where channel_account_id = ${s.id} and holder = ${o.holder} and lease_until > now() for share
      ),
      picked as (
        select m.id, m.workspace_id, m.brand_id, m.campaign_id, m.contact_id, m.category, m.source, m.status, m.content_kind,
          m.content_sealed, m.segments, m.attempts, m.status_callback_url, m.callback_key_id, m.due_at
        from messages m where exists (select 1 from fence) and m.channel_account_id = ${s.id}
          and m.status in ('queued', 'scheduled') and m.due_at <= now()
          ${o.lane ? sql`and abs(hashtext(m.contact_id)) % ${o.lane.of} = ${o.lane.index}` : sql``}
        order by m.due_at limit ${o.limit}
      )
      select (select count(*) from fence)::int as fenced, p.* from (select 1) as one left join picked p on true
      order by p.due_at`,
  );
  if ((picked[0]?.fenced ?? 0) === 0) return { lost: true };
  const candidates = picked.filter((c): c is TCandidate & { fenced: number } => c.id !== null);
  if (candidates.length === 0) return { lost: false, candidates: 0, claimed: [] };
  const now = new Date();
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
    })),
    { lock: "share" },
  );
  const decisionOf = new Map<string, TDecision>();
  deciding.forEach((c, n) => {
    const d = decisions[n];
    if (d) decisionOf.set(c.id, d);
  });
  const contents = new Map(
    candidates.map((c) => [
      c.id,
      JSON.parse(decryptField(s.keys, c.workspace_id, c.content_sealed)) as TMessageContent,
    ]),
  );
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
  const sets = await lookupSets(tx, s, contactIds, now);
  const plans = candidates.map((c) =>
    planOne(c, decisionOf.get(c.id), {
      address: contents.get(c.id)?.to ?? addresses.get(c.contact_id),
      unreachable: sets.unreachable.has(c.contact_id),
      windowOpen: sets.windowOpen.has(c.contact_id),
      windowed: windowedChannels.has(s.channel),
      pacer: s.pacer,
      now,
    }),
  );
  const applied = await applyPlans(tx, s, o.holder, o.messageLeaseMs, plans);
  const appliedAt = new Map(applied.map((r) => [r.id, r.claimed_at]));
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
      claimedAt: claimedAt instanceof Date ? claimedAt : new Date(claimedAt ?? at),
      statusCallbackUrl: p.c.status_callback_url,
      callbackKeyId: p.c.callback_key_id,
    });
  }
  return { lost: false, candidates: candidates.length, claimed };
}
