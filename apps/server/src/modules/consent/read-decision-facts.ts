import { sql } from "drizzle-orm";
import { GENESIS_HASH } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import type { TGrantState } from "./consent.types.js";
import type { TDecisionFacts } from "./evaluate-decision.js";
import { type TGrantRow, toGrant } from "./find-grant.js";
import { toMaybeDate } from "./ledger-entry.js";
import { type TBrandQuietHours, ZBrandQuietHours } from "./quiet-hours.js";

/** The facts of one (contact, brand) pair: everything a decision reads except the campaign. */
export type TContactBrandFacts = Omit<TDecisionFacts, "campaign">;

interface TFactsRow {
  ws: string;
  contact_id: string;
  brand_id: string;
  contact_found: boolean;
  erased_at: Date | string | null;
  restricted_at: Date | string | null;
  minor: boolean | null;
  minor_until: Date | string | null;
  time_zone: string | null;
  phone_time_zone: string | null;
  country: string | null;
  region: string | null;
  brand_found: boolean;
  quiet_hours: unknown;
  opt_out_all_entry_id: string | null;
  opt_out_marketing_entry_id: string | null;
}

/** The key of a (workspace, contact, brand) triple in readDecisionFacts' answer. */
export const keyOf = (ws: string, contactId: string, brandId: string): string =>
  `${ws}\u0000${contactId}\u0000${brandId}`;
const json = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v);

function quietHoursOf(v: unknown): TBrandQuietHours | null {
  const parsed = ZBrandQuietHours.safeParse(json(v));
  return parsed.success ? parsed.data : null;
}

/**
 * Share-lock each contact's consent head (creating missing heads), in a fixed order. Opt-outs take the
 * same rows FOR UPDATE, so a decision and an opt-out for one contact are serialised; the facts are read
 * by a later statement, whose snapshot therefore includes every opt-out committed before the lock.
 */
async function lockHeads(tx: TTx, pairs: { ws: string; contactId: string }[]): Promise<void> {
  const distinct = new Map(pairs.map((p) => [`${p.ws}\u0000${p.contactId}`, p]));
  const lock = async (list: { ws: string; contactId: string }[]) =>
    rows<{ workspace_id: string; contact_id: string }>(
      tx,
      sql`select h.workspace_id, h.contact_id from consent_heads h
        join unnest(${sql.param(list.map((p) => p.ws))}::text[], ${sql.param(list.map((p) => p.contactId))}::text[]) as u(ws, id)
          on h.workspace_id = u.ws and h.contact_id = u.id
        order by h.workspace_id, h.contact_id
        for share of h`,
    );
  const locked = await lock([...distinct.values()]);
  for (const r of locked) distinct.delete(`${r.workspace_id}\u0000${r.contact_id}`);
  if (distinct.size === 0) return;
  // First decision for these contacts: create their heads (a no-op for ids that are no contact), then lock.
  const missing = [...distinct.values()];
  await tx.execute(sql`insert into consent_heads (workspace_id, contact_id, seq, hash, updated_at)
    select c.workspace_id, c.id, 0, ${GENESIS_HASH}, now()
    from unnest(${sql.param(missing.map((p) => p.ws))}::text[], ${sql.param(missing.map((p) => p.contactId))}::text[]) as u(ws, id)
    join contacts c on c.workspace_id = u.ws and c.id = u.id
    order by 1, 2
    on conflict do nothing`);
  await lock(missing);
}

/**
 * The decision facts of (workspace, contact, brand) triples, keyed `ws\0contact\0brand`: two statements
 * read every contact's flags, place and opt-outs and the brand's grants (triples may span workspaces in a
 * system transaction). A contact or brand not found is absent or has `contact: null` / `brandFound: false`.
 * With `lock: "share"` the contacts' consent heads are share-locked first (see decideMany).
 */
export async function readDecisionFacts(
  tx: TTx,
  triples: readonly { workspaceId: string; contactId: string; brandId: string }[],
  o: { lock: "share" | "none" },
): Promise<Map<string, TContactBrandFacts>> {
  const distinct = new Map<string, { ws: string; contactId: string; brandId: string }>();
  for (const t of triples)
    distinct.set(keyOf(t.workspaceId, t.contactId, t.brandId), {
      ws: t.workspaceId,
      contactId: t.contactId,
      brandId: t.brandId,
    });
  const list = [...distinct.values()];
  const facts = new Map<string, TContactBrandFacts>();
  if (list.length === 0) return facts;
  if (o.lock === "share") await lockHeads(tx, list);
  // One statement, one JSON value: far cheaper to carry than rows (the embedded engine's row decoding
  // dominates the cost of a batch), and the same on both engines.
  const [answer] = await rows<{ j: string }>(
    tx,
    sql`with u as (
        select * from unnest(${sql.param(list.map((t) => t.ws))}::text[], ${sql.param(list.map((t) => t.contactId))}::text[],
          ${sql.param(list.map((t) => t.brandId))}::text[]) as u(ws, contact_id, brand_id))
      select json_build_object(
        'facts', (select coalesce(json_agg(f), '[]') from (
          select u.ws, u.contact_id, u.brand_id, c.id is not null as contact_found, c.erased_at, c.restricted_at, c.minor,
            c.minor_until, c.time_zone, c.phone_time_zone, c.country, c.region, b.id is not null as brand_found,
            b.settings -> 'quietHours' as quiet_hours, s.opt_out_all_entry_id, s.opt_out_marketing_entry_id
          from u
          left join contacts c on c.workspace_id = u.ws and c.id = u.contact_id
          left join brands b on b.workspace_id = u.ws and b.id = u.brand_id
          left join consent_suppressions s on s.workspace_id = u.ws and s.contact_id = u.contact_id and s.brand_id = u.brand_id) f),
        'grants', (select coalesce(json_agg(g), '[]') from (
          select g.workspace_id, g.id, g.contact_id, g.brand_id, g.campaign_id, g.category, g.channels, g.basis, g.status,
            g.effective_at, g.expires_at, g.confirm_by, g.confirmed_entry_id, g.withdrawn_entry_id
          from u join consent_grants g on g.workspace_id = u.ws and g.contact_id = u.contact_id and g.brand_id = u.brand_id) g)
      )::text as j`,
  );
  const parsed = JSON.parse(answer?.j ?? "{}") as {
    facts?: TFactsRow[];
    grants?: (TGrantRow & { workspace_id: string })[];
  };
  const found = parsed.facts ?? [];
  const grantRows = parsed.grants ?? [];
  const grants = new Map<string, TGrantState[]>();
  for (const r of grantRows) {
    const k = keyOf(r.workspace_id, r.contact_id, r.brand_id);
    const { contactId: _c, ...g } = toGrant(r);
    const l = grants.get(k) ?? [];
    l.push(g);
    grants.set(k, l);
  }
  for (const r of found) {
    facts.set(keyOf(r.ws, r.contact_id, r.brand_id), {
      contact: r.contact_found
        ? {
            erasedAt: toMaybeDate(r.erased_at),
            restrictedAt: toMaybeDate(r.restricted_at),
            minor: r.minor === true,
            minorUntil: toMaybeDate(r.minor_until),
            timeZone: r.time_zone,
            phoneTimeZone: r.phone_time_zone,
            country: r.country,
            region: r.region,
          }
        : null,
      brandFound: r.brand_found,
      quietHours: r.quiet_hours === null ? null : quietHoursOf(r.quiet_hours),
      suppression: {
        optOutAllEntryId: r.opt_out_all_entry_id,
        optOutMarketingEntryId: r.opt_out_marketing_entry_id,
      },
      grants: grants.get(keyOf(r.ws, r.contact_id, r.brand_id)) ?? [],
    });
  }
  return facts;
}
