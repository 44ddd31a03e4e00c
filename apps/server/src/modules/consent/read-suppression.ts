import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import type { TSuppressionState } from "./consent.types.js";

/** The contact's opt-out from a brand as the projection holds it (both ids null when none is in force). */
export async function readSuppression(
  tx: TTx,
  o: { workspaceId: string; contactId: string; brandId: string },
): Promise<TSuppressionState> {
  const found = await rows<{
    opt_out_all_entry_id: string | null;
    opt_out_marketing_entry_id: string | null;
  }>(
    tx,
    sql`select opt_out_all_entry_id, opt_out_marketing_entry_id from consent_suppressions
      where workspace_id = ${o.workspaceId} and contact_id = ${o.contactId} and brand_id = ${o.brandId}`,
  );
  const r = found[0];
  return {
    brandId: o.brandId,
    optOutAllEntryId: r?.opt_out_all_entry_id ?? null,
    optOutMarketingEntryId: r?.opt_out_marketing_entry_id ?? null,
  };
}
