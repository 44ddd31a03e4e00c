import { sql } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { newId } from "../../core/ids.js";
import { CONTACT_CHANGES_CHANNEL, type TContactChannel } from "../contacts/index.js";
import { consentLedger } from "./consent.tables.js";
import type {
  TBasis,
  TCategory,
  TEvidenceDetails,
  TLedgerEntry,
  TLedgerKind,
  TOptOutScope,
} from "./consent.types.js";
import { DecisionFactsCache } from "./decision-facts-cache.js";
import { ledgerHash } from "./ledger-hash.js";
import type { TConsentHead } from "./lock-consent-head.js";

/** Postgres text and jsonb cannot hold NUL; callers pass channel text through here, so it is dropped. */
const clean = (v: string): string => v.replaceAll("\u0000", "");

/** What a writer appends; ids, sequence, hashes and the recording time are filled in here. */
export interface TNewLedgerEntry {
  brandId: string;
  kind: TLedgerKind;
  refId?: string | null;
  campaignId?: string | null;
  category?: TCategory | null;
  channels?: TContactChannel[] | null;
  basis?: TBasis | null;
  pending?: boolean | null;
  scope?: TOptOutScope | null;
  channel?: TContactChannel | null;
  method: string;
  source?: string | null;
  wording?: string | null;
  evidence?: TEvidenceDetails;
  ipSealed?: string | null;
  userAgentSealed?: string | null;
  effectiveAt: Date;
  expiresAt?: Date | null;
  confirmBy?: Date | null;
}

/**
 * Append entries to a contact's ledger under its locked head (see lockConsentHead), keep the projection
 * in step and write one audit event per entry, all in the caller's transaction.
 */
export async function appendLedgerEntries(
  tx: TTx,
  head: TConsentHead,
  o: { entries: TNewLedgerEntry[]; actor: TActor; requestId?: string | undefined; at: Date },
): Promise<TLedgerEntry[]> {
  let seq = head.seq;
  let prev = head.hash;
  const stored: TLedgerEntry[] = [];
  for (const n of o.entries) {
    seq += 1;
    const evidence = Object.fromEntries(
      Object.entries(n.evidence ?? {}).map(([k, v]) => [k, typeof v === "string" ? clean(v) : v]),
    );
    const base = {
      id: newId("cns"),
      workspaceId: head.workspaceId,
      contactId: head.contactId,
      seq,
      brandId: n.brandId,
      kind: n.kind,
      refId: n.refId ?? null,
      campaignId: n.campaignId ?? null,
      category: n.category ?? null,
      channels: n.channels ?? null,
      basis: n.basis ?? null,
      pending: n.pending ?? null,
      scope: n.scope ?? null,
      channel: n.channel ?? null,
      method: clean(n.method),
      source: n.source == null ? null : clean(n.source),
      wording: n.wording == null ? null : clean(n.wording),
      evidence,
      ipSealed: n.ipSealed ?? null,
      userAgentSealed: n.userAgentSealed ?? null,
      effectiveAt: n.effectiveAt,
      expiresAt: n.expiresAt ?? null,
      confirmBy: n.confirmBy ?? null,
      recordedAt: o.at,
      actorType: o.actor.type,
      actorId: o.actor.id,
      requestId: o.requestId ?? null,
    };
    const hash = ledgerHash(prev, base);
    stored.push({ ...base, prevHash: prev, hash });
    prev = hash;
  }
  if (stored.length === 0) return stored;
  await tx.insert(consentLedger).values(stored);
  // The head moves and every process's check cache hears of it when this transaction commits.
  await tx.execute(sql`with moved as (update consent_heads set seq = ${seq}, hash = ${prev}, updated_at = ${o.at}
      where workspace_id = ${head.workspaceId} and contact_id = ${head.contactId} returning 1)
    select pg_notify(${CONTACT_CHANGES_CHANNEL}, ${`${head.workspaceId} ${head.contactId}`}) from moved`);
  head.seq = seq;
  head.hash = prev;
  // Before commit on purpose: the cache keeps this contact out for its TTL, which covers the commit.
  DecisionFactsCache.invalidate(head.workspaceId, head.contactId);
  for (const e of stored) await project(tx, e);
  await recordAudit(
    tx,
    stored.map((e) => ({
      workspaceId: e.workspaceId,
      actor: o.actor,
      action: `consent.${e.kind}`,
      targetType: "contact",
      targetId: e.contactId,
      requestId: o.requestId,
      at: o.at,
      details: {
        entryId: e.id,
        brandId: e.brandId,
        campaignId: e.campaignId,
        scope: e.scope,
        channel: e.channel,
        method: e.method,
        refId: e.refId,
      },
    })),
  );
  return stored;
}

/** The projection change of one entry; foldLedger is the same rule written as a pure function. */
async function project(tx: TTx, e: TLedgerEntry): Promise<void> {
  const where = sql`workspace_id = ${e.workspaceId} and contact_id = ${e.contactId}`;
  switch (e.kind) {
    case "grant":
      await tx.execute(sql`insert into consent_grants (id, workspace_id, contact_id, brand_id, campaign_id, category, channels, basis,
          status, effective_at, expires_at, confirm_by, updated_at)
        values (${e.id}, ${e.workspaceId}, ${e.contactId}, ${e.brandId}, ${e.campaignId}, ${e.category}, ${sql.param(e.channels ?? [])}::text[],
          ${e.basis}, ${e.pending ? "pending" : "active"}, ${e.effectiveAt}, ${e.expiresAt}, ${e.confirmBy}, ${e.recordedAt})`);
      return;
    case "confirm":
      await tx.execute(sql`update consent_grants set status = 'active', confirmed_entry_id = ${e.id}, updated_at = ${e.recordedAt}
        where ${where} and id = ${e.refId} and status = 'pending'`);
      return;
    case "withdraw":
      if (e.campaignId !== null) {
        // From one campaign: a brand-wide grant is narrowed (fold-ledger.ts, narrowedChannels), a grant
        // of that campaign withdrawn whole.
        await tx.execute(sql`update consent_grants g set excluded = coalesce(g.excluded, '{}') || array(
            select ${e.campaignId} || ':' || u.ch || ':' || ${e.id}
            from unnest(${sql.param(e.channels ?? [])}::text[]) with ordinality as u(ch, n)
            where u.ch = any(g.channels)
              and not exists (select 1 from unnest(coalesce(g.excluded, '{}')) x where starts_with(x, ${e.campaignId} || ':' || u.ch || ':'))
              and not exists (select 1 from unnest(${sql.param(e.channels ?? [])}::text[]) with ordinality as v(ch, n) where v.ch = u.ch and v.n < u.n)
            order by u.n), updated_at = ${e.recordedAt}
          where ${where} and id = ${e.refId} and status <> 'withdrawn' and campaign_id is null`);
        await tx.execute(sql`update consent_grants set status = 'withdrawn', withdrawn_entry_id = ${e.id}, updated_at = ${e.recordedAt}
          where ${where} and id = ${e.refId} and status <> 'withdrawn' and campaign_id is not null`);
        return;
      }
      await tx.execute(sql`update consent_grants set status = 'withdrawn', withdrawn_entry_id = ${e.id}, updated_at = ${e.recordedAt}
        where ${where} and id = ${e.refId} and status <> 'withdrawn'`);
      return;
    case "opt_out": {
      const all = e.scope === "all" ? e.id : null;
      const marketing = e.scope === "marketing" ? e.id : null;
      await tx.execute(sql`insert into consent_suppressions (workspace_id, contact_id, brand_id, opt_out_all_entry_id, opt_out_marketing_entry_id, updated_at)
        values (${e.workspaceId}, ${e.contactId}, ${e.brandId}, ${all}, ${marketing}, ${e.recordedAt})
        on conflict (workspace_id, contact_id, brand_id) do update set
          opt_out_all_entry_id = coalesce(consent_suppressions.opt_out_all_entry_id, excluded.opt_out_all_entry_id),
          opt_out_marketing_entry_id = coalesce(consent_suppressions.opt_out_marketing_entry_id, excluded.opt_out_marketing_entry_id),
          updated_at = excluded.updated_at`);
      return;
    }
    case "opt_in":
      // Lifts the opt-out of its scope; an entry without one (written before scopes) lifts both.
      await tx.execute(sql`update consent_suppressions set
          opt_out_all_entry_id = ${e.scope === "marketing" ? sql`opt_out_all_entry_id` : null},
          opt_out_marketing_entry_id = ${e.scope === "all" ? sql`opt_out_marketing_entry_id` : null},
          updated_at = ${e.recordedAt}
        where ${where} and brand_id = ${e.brandId}`);
      return;
    case "expire":
      // History only: the status stays (standing is judged by time); the grant names its expire entry.
      await tx.execute(sql`update consent_grants set expired_entry_id = ${e.id}, updated_at = ${e.recordedAt}
        where ${where} and id = ${e.refId} and status <> 'withdrawn' and expired_entry_id is null`);
      return;
  }
}
