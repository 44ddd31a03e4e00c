import { sql } from "drizzle-orm";
import { GENESIS_HASH } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import type { TDecision, TDecisionInput, TGrantState } from "./consent.types.js";
import { evaluateDecision, type TDecisionFacts } from "./evaluate-decision.js";
import { type TGrantRow, toGrant } from "./find-grant.js";
import { getCampaigns } from "./get-campaigns.js";
import { toMaybeDate } from "./ledger-entry.js";
import { type TBrandQuietHours, ZBrandQuietHours } from "./quiet-hours.js";

interface TFactsRow {
  ws: string;
  contact_id: string;
  brand_id: string;
  contact_found: boolean;
  erased_at: Date | string | null;
  restricted_at: Date | string | null;
  minor: boolean | null;
  time_zone: string | null;
  country: string | null;
  region: string | null;
  brand_found: boolean;
  quiet_hours: unknown;
  opt_out_all_entry_id: string | null;
  opt_out_marketing_entry_id: string | null;
}

const keyOf = (ws: string, contactId: string, brandId: string) => `${ws}\u0000${contactId}\u0000${brandId}`;
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
 * Decide many sends at once: two statements read every contact's flags, opt-outs and grants of the
 * brand asked for (inputs may span workspaces in a system transaction), plus one for campaigns when any
 * input names one. With `lock: "share"` the contacts' consent heads are share-locked first, so no send
 * is decided on a state older than a committed opt-out. Call it before writing audit events in the same
 * transaction (opt-outs lock the consent head, then the audit head).
 */
export async function decideMany(
  tx: TTx,
  inputs: TDecisionInput[],
  o: { lock: "share" | "none" },
): Promise<TDecision[]> {
  if (inputs.length === 0) return [];
  const triples = new Map<string, { ws: string; contactId: string; brandId: string }>();
  for (const i of inputs)
    triples.set(keyOf(i.workspaceId, i.contactId, i.brandId), {
      ws: i.workspaceId,
      contactId: i.contactId,
      brandId: i.brandId,
    });
  const list = [...triples.values()];
  if (o.lock === "share") await lockHeads(tx, list);
  const found = await rows<TFactsRow>(
    tx,
    sql`select u.ws, u.contact_id, u.brand_id, c.id is not null as contact_found, c.erased_at, c.restricted_at, c.minor, c.time_zone,
        c.country, c.region, b.id is not null as brand_found, b.settings -> 'quietHours' as quiet_hours,
        s.opt_out_all_entry_id, s.opt_out_marketing_entry_id
      from unnest(${sql.param(list.map((t) => t.ws))}::text[], ${sql.param(list.map((t) => t.contactId))}::text[],
          ${sql.param(list.map((t) => t.brandId))}::text[]) as u(ws, contact_id, brand_id)
      left join contacts c on c.workspace_id = u.ws and c.id = u.contact_id
      left join brands b on b.workspace_id = u.ws and b.id = u.brand_id
      left join consent_suppressions s on s.workspace_id = u.ws and s.contact_id = u.contact_id and s.brand_id = u.brand_id`,
  );
  const grantRows = await rows<TGrantRow & { workspace_id: string }>(
    tx,
    sql`select g.workspace_id, g.id, g.contact_id, g.brand_id, g.campaign_id, g.category, g.channels, g.basis, g.status, g.effective_at,
        g.expires_at, g.confirm_by, g.confirmed_entry_id, g.withdrawn_entry_id
      from unnest(${sql.param(list.map((t) => t.ws))}::text[], ${sql.param(list.map((t) => t.contactId))}::text[],
          ${sql.param(list.map((t) => t.brandId))}::text[]) as u(u_ws, u_contact, u_brand)
      join consent_grants g on g.workspace_id = u.u_ws and g.contact_id = u.u_contact and g.brand_id = u.u_brand`,
  );
  const grants = new Map<string, TGrantState[]>();
  for (const r of grantRows) {
    const k = keyOf(r.workspace_id, r.contact_id, r.brand_id);
    const { contactId: _c, ...g } = toGrant(r);
    const l = grants.get(k) ?? [];
    l.push(g);
    grants.set(k, l);
  }
  const facts = new Map<string, Omit<TDecisionFacts, "campaign">>();
  for (const r of found) {
    facts.set(keyOf(r.ws, r.contact_id, r.brand_id), {
      contact: r.contact_found
        ? {
            erasedAt: toMaybeDate(r.erased_at),
            restrictedAt: toMaybeDate(r.restricted_at),
            minor: r.minor === true,
            timeZone: r.time_zone,
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
  const wanted = inputs.flatMap((i) =>
    i.campaignId ? [{ workspaceId: i.workspaceId, campaignId: i.campaignId }] : [],
  );
  const campaigns = await getCampaigns(tx, wanted);
  return inputs.map((i) => {
    const f = facts.get(keyOf(i.workspaceId, i.contactId, i.brandId));
    const campaign = i.campaignId ? campaigns.get(`${i.workspaceId}:${i.campaignId}`) : undefined;
    if (!f)
      return evaluateDecision(i, {
        contact: null,
        brandFound: false,
        quietHours: null,
        suppression: null,
        grants: [],
        campaign,
      });
    return evaluateDecision(i, { ...f, campaign });
  });
}
