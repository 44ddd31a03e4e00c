import { sql } from "drizzle-orm";
import { GENESIS_HASH } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import type { TGrantState } from "./consent.types.js";
import type { TDecisionFacts } from "./evaluate-decision.js";
import { type TBrandQuietHours, ZBrandQuietHours } from "./quiet-hours.js";

/** The facts of one (contact, brand) pair: everything a decision reads except the campaign. */
export type TContactBrandFacts = Omit<TDecisionFacts, "campaign">;

/**
 * One facts row of assent_decision_facts_compact (migration 0250): [n, contact_found, erased_at, restricted_at,
 * minor, minor_until, time_zone, phone_time_zone, country, region, brand_found, quiet_hours,
 * opt_out_all_entry_id, opt_out_marketing_entry_id]; n is the triple's 1-based position, times are epoch ms.
 */
type TFactsRow = [
  number,
  boolean,
  number | null,
  number | null,
  boolean | null,
  number | null,
  string | null,
  string | null,
  string | null,
  string | null,
  boolean,
  unknown,
  string | null,
  string | null,
];

/**
 * One grant row: [n, id, campaign_id, category, channels, basis, status, effective_at, expires_at, confirm_by,
 * confirmed_entry_id, withdrawn_entry_id, excluded] (excluded since migration 0280).
 */
type TGrantArrayRow = [
  number,
  string,
  string | null,
  string,
  string[],
  string,
  string,
  number,
  number | null,
  number | null,
  string | null,
  string | null,
  (string[] | null)?,
];

const dateOf = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/** The key of a (workspace, contact, brand) triple in readDecisionFacts' answer. */
export const keyOf = (ws: string, contactId: string, brandId: string): string =>
  `${ws}\u0000${contactId}\u0000${brandId}`;
const json = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v);

function quietHoursOf(v: unknown): TBrandQuietHours | null {
  const parsed = ZBrandQuietHours.safeParse(json(v));
  return parsed.success ? parsed.data : null;
}

/**
 * The decision facts of (workspace, contact, brand) triples, keyed `ws\0contact\0brand`: one statement
 * reads every contact's flags, place and opt-outs and the brand's grants (triples may span workspaces in a
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
  // One call of assent_decision_facts_compact (migrations 0240, 0250): with `lock: "share"` it share-locks every contact's
  // consent head in a fixed order (creating missing heads) before reading. Opt-outs take the same rows FOR
  // UPDATE, so a decision and an opt-out for one contact are serialised; the facts are read by a later
  // statement of that (volatile) function, whose snapshot therefore includes every opt-out committed before
  // the lock. One JSON value: far cheaper to carry than rows (the embedded engine's row decoding dominates
  // the cost of a batch), and the function's plans are kept for the session.
  const [answer] = await rows<{ j: string }>(
    tx,
    sql`select assent_decision_facts_compact(${sql.param(list.map((t) => t.ws))}::text[],
      ${sql.param(list.map((t) => t.contactId))}::text[], ${sql.param(list.map((t) => t.brandId))}::text[],
      ${o.lock === "share"}::boolean, ${GENESIS_HASH}::text) as j`,
  );
  const [found = [], grantRows = []] = JSON.parse(answer?.j ?? "[]") as [TFactsRow[]?, TGrantArrayRow[]?];
  // In ledger order (grant ids are time-ordered), as the fold has them: a decision between equal grants,
  // and the entries a refusal lists, must not depend on the order a plan happens to return rows in.
  grantRows.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const grants = new Map<number, TGrantState[]>();
  for (const r of grantRows) {
    const t = list[r[0] - 1];
    if (!t) continue;
    const g: TGrantState = {
      id: r[1],
      brandId: t.brandId,
      campaignId: r[2],
      category: r[3] as TGrantState["category"],
      channels: r[4] as TGrantState["channels"],
      basis: r[5] as TGrantState["basis"],
      status: r[6] as TGrantState["status"],
      effectiveAt: new Date(r[7]),
      expiresAt: dateOf(r[8]),
      confirmBy: dateOf(r[9]),
      confirmedEntryId: r[10],
      withdrawnEntryId: r[11],
    };
    if (r[12] && r[12].length > 0) g.exclusions = r[12];
    const l = grants.get(r[0]);
    if (l) l.push(g);
    else grants.set(r[0], [g]);
  }
  // Every row of a brand carries the same quiet hours: validated once per (workspace, brand) and shared.
  const quietHours = new Map<string, TBrandQuietHours | null>();
  const quietHoursFor = (t: { ws: string; brandId: string }, raw: unknown): TBrandQuietHours | null => {
    if (raw === null) return null;
    const k = `${t.ws}\u0000${t.brandId}`;
    let q = quietHours.get(k);
    if (q === undefined) {
      q = quietHoursOf(raw);
      quietHours.set(k, q);
    }
    return q;
  };
  for (const r of found) {
    const t = list[r[0] - 1];
    if (!t) continue;
    facts.set(keyOf(t.ws, t.contactId, t.brandId), {
      contact: r[1]
        ? {
            erasedAt: dateOf(r[2]),
            restrictedAt: dateOf(r[3]),
            minor: r[4] === true,
            minorUntil: dateOf(r[5]),
            timeZone: r[6],
            phoneTimeZone: r[7],
            country: r[8],
            region: r[9],
          }
        : null,
      brandFound: r[10],
      quietHours: quietHoursFor(t, r[11]),
      suppression: { optOutAllEntryId: r[12], optOutMarketingEntryId: r[13] },
      grants: grants.get(r[0]) ?? [],
    });
  }
  return facts;
}
