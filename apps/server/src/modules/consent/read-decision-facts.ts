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
  // One call of assent_decision_facts (migration 0240): with `lock: "share"` it share-locks every contact's
  // consent head in a fixed order (creating missing heads) before reading. Opt-outs take the same rows FOR
  // UPDATE, so a decision and an opt-out for one contact are serialised; the facts are read by a later
  // statement of that (volatile) function, whose snapshot therefore includes every opt-out committed before
  // the lock. One JSON value: far cheaper to carry than rows (the embedded engine's row decoding dominates
  // the cost of a batch), and the function's plans are kept for the session.
  const [answer] = await rows<{ j: string }>(
    tx,
    sql`select assent_decision_facts(${sql.param(list.map((t) => t.ws))}::text[],
      ${sql.param(list.map((t) => t.contactId))}::text[], ${sql.param(list.map((t) => t.brandId))}::text[],
      ${o.lock === "share"}::boolean, ${GENESIS_HASH}::text) as j`,
  );
  const parsed = JSON.parse(answer?.j ?? "{}") as {
    facts?: TFactsRow[];
    grants?: (TGrantRow & { workspace_id: string })[];
  };
  const found = parsed.facts ?? [];
  // In ledger order (grant ids are time-ordered), as the fold has them: a decision between equal grants,
  // and the entries a refusal lists, must not depend on the order a plan happens to return rows in.
  const grantRows = (parsed.grants ?? []).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
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
