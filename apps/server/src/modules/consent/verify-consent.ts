import { type SQL, sql } from "drizzle-orm";
import type { TDb } from "../../core/db/client.js";
import { rows, type TTx, withSystemTx, withWorkspaceTx } from "../../core/db/tx.js";
import { checkContactLedger } from "./check-contact-ledger.js";
import type { TGrantState, TLedgerEntry, TSuppressionState } from "./consent.types.js";
import { grantColumns, type TGrantRow, toGrant } from "./find-grant.js";
import { foldLedger } from "./fold-ledger.js";
import { ledgerColumns, type TLedgerRow, toLedgerEntry } from "./ledger-entry.js";

export interface TConsentVerification {
  ok: boolean;
  contacts: number;
  entries: number;
  problems: { workspaceId: string; contactId: string; problem: string }[];
}

const key = (ws: string, contactId: string) => `${ws}\u0000${contactId}`;

function group<T>(list: T[], k: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of list) {
    const l = out.get(k(t)) ?? [];
    l.push(t);
    out.set(k(t), l);
  }
  return out;
}

/** The projection's expire entry of each grant against the fold of the ledger (`expire` entries). */
function checkExpiries(
  entries: readonly TLedgerEntry[],
  grants: readonly { id: string; expired_entry_id: string | null }[],
): string[] {
  const want = foldLedger(entries).expiries;
  const problems: string[] = [];
  for (const g of grants) {
    if ((want.get(g.id) ?? null) !== g.expired_entry_id)
      problems.push(
        `projection of grant ${g.id}: expire entry ${g.expired_entry_id}, the ledger fold says ${want.get(g.id) ?? null}`,
      );
  }
  return problems;
}

async function checkPage(
  tx: TTx,
  heads: { workspace_id: string; contact_id: string; seq: number | string; hash: string }[],
  out: TConsentVerification,
) {
  const pairs = sql`unnest(${sql.param(heads.map((h) => h.workspace_id))}::text[], ${sql.param(heads.map((h) => h.contact_id))}::text[]) as p(p_ws, p_contact)`;
  const within = (t: string): SQL =>
    sql`join ${pairs} on ${sql.raw(t)}.workspace_id = p.p_ws and ${sql.raw(t)}.contact_id = p.p_contact`;
  const entries = (
    await rows<TLedgerRow>(
      tx,
      sql`select ${ledgerColumns} from consent_ledger l ${within("l")} order by l.workspace_id, l.contact_id, l.seq`,
    )
  ).map(toLedgerEntry);
  const grants = await rows<TGrantRow & { workspace_id: string; expired_entry_id: string | null }>(
    tx,
    sql`select g.workspace_id, g.expired_entry_id, ${grantColumns} from consent_grants g ${within("g")}`,
  );
  const sups = await rows<{
    workspace_id: string;
    contact_id: string;
    brand_id: string;
    opt_out_all_entry_id: string | null;
    opt_out_marketing_entry_id: string | null;
  }>(
    tx,
    sql`select s.workspace_id, s.contact_id, s.brand_id, s.opt_out_all_entry_id, s.opt_out_marketing_entry_id from consent_suppressions s ${within("s")}`,
  );
  const eBy = group<TLedgerEntry>(entries, (e) => key(e.workspaceId, e.contactId));
  const gBy = group(grants, (g) => key(g.workspace_id, g.contact_id));
  const sBy = group(sups, (s) => key(s.workspace_id, s.contact_id));
  for (const h of heads) {
    const k = key(h.workspace_id, h.contact_id);
    const contactEntries = eBy.get(k) ?? [];
    out.contacts += 1;
    out.entries += contactEntries.length;
    const problems = checkContactLedger({
      entries: contactEntries,
      head: { seq: Number(h.seq), hash: h.hash },
      grants: (gBy.get(k) ?? []).map((g): TGrantState => {
        const { contactId: _c, ...rest } = toGrant(g);
        return rest;
      }),
      suppressions: (sBy.get(k) ?? []).map(
        (s): TSuppressionState => ({
          brandId: s.brand_id,
          optOutAllEntryId: s.opt_out_all_entry_id,
          optOutMarketingEntryId: s.opt_out_marketing_entry_id,
        }),
      ),
    });
    problems.push(...checkExpiries(contactEntries, gBy.get(k) ?? []));
    for (const problem of problems)
      out.problems.push({ workspaceId: h.workspace_id, contactId: h.contact_id, problem });
  }
}

/**
 * Verify the consent ledger of every contact (or of one workspace): each hash chain from genesis to its
 * head, and the stored projection against the fold of the ledger. Read-only; pages through contacts.
 */
export async function verifyConsent(
  db: TDb,
  o: { workspaceId?: string; pageSize?: number } = {},
): Promise<TConsentVerification> {
  const out: TConsentVerification = { ok: true, contacts: 0, entries: 0, problems: [] };
  const run = <T>(fn: (tx: TTx) => Promise<T>) =>
    o.workspaceId ? withWorkspaceTx(db, o.workspaceId, fn) : withSystemTx(db, fn);
  const limit = o.pageSize ?? 500;
  let after = { ws: "", id: "" };
  for (;;) {
    const heads = await run(async (tx) => {
      const page = await rows<{
        workspace_id: string;
        contact_id: string;
        seq: number | string;
        hash: string;
      }>(
        tx,
        sql`select workspace_id, contact_id, seq, hash from consent_heads where (workspace_id, contact_id) > (${after.ws}, ${after.id})
          and (${o.workspaceId ?? null}::text is null or workspace_id = ${o.workspaceId ?? null}) order by workspace_id, contact_id limit ${limit}`,
      );
      if (page.length > 0) await checkPage(tx, page, out);
      return page;
    });
    const last = heads[heads.length - 1];
    if (!last || heads.length < limit) break;
    after = { ws: last.workspace_id, id: last.contact_id };
  }
  const orphans = await run((tx) =>
    rows<{ workspace_id: string; contact_id: string }>(
      tx,
      sql`select distinct x.workspace_id, x.contact_id from (
          select workspace_id, contact_id from consent_ledger union all select workspace_id, contact_id from consent_grants
          union all select workspace_id, contact_id from consent_suppressions) x
        where (${o.workspaceId ?? null}::text is null or x.workspace_id = ${o.workspaceId ?? null})
          and not exists (select 1 from consent_heads h where h.workspace_id = x.workspace_id and h.contact_id = x.contact_id)`,
    ),
  );
  for (const r of orphans)
    out.problems.push({
      workspaceId: r.workspace_id,
      contactId: r.contact_id,
      problem: "consent rows without a head",
    });
  out.ok = out.problems.length === 0;
  return out;
}
