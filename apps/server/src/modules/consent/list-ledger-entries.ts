import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import type { TLedgerEntry } from "./consent.types.js";
import { ledgerColumns, type TLedgerRow, toLedgerEntry } from "./ledger-entry.js";

/** A contact's ledger (optionally one brand's entries) in sequence order after `afterSeq`, plus one. */
export async function listLedgerEntries(
  tx: TTx,
  o: {
    workspaceId: string;
    contactId: string;
    brandId?: string | undefined;
    afterSeq?: number | undefined;
    limit: number;
  },
): Promise<TLedgerEntry[]> {
  const brand = o.brandId ?? null;
  const found = await rows<TLedgerRow>(
    tx,
    sql`select ${ledgerColumns} from consent_ledger where workspace_id = ${o.workspaceId} and contact_id = ${o.contactId}
      and (${brand}::text is null or brand_id = ${brand}) and seq > ${o.afterSeq ?? 0} order by seq limit ${o.limit + 1}`,
  );
  return found.map(toLedgerEntry);
}
