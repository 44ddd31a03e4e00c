import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import type { TGrantState, TSuppressionState } from "./consent.types.js";
import { grantColumns, type TGrantRow, toGrant } from "./find-grant.js";
import { grantStanding, type TGrantStanding } from "./grant-standing.js";

export interface TConsentState {
  contactId: string;
  grants: (TGrantState & { standing: TGrantStanding })[];
  /** Brands this contact has an opt-out in force with. */
  suppressions: TSuppressionState[];
}

/** A contact's current consent (of one brand, or of all), with each grant's standing at `at`. */
export async function getConsentState(
  tx: TTx,
  o: { workspaceId: string; contactId: string; brandId?: string | undefined; at: Date },
): Promise<TConsentState> {
  const brand = o.brandId ?? null;
  const grants = await rows<TGrantRow>(
    tx,
    sql`select ${grantColumns} from consent_grants where workspace_id = ${o.workspaceId} and contact_id = ${o.contactId}
      and (${brand}::text is null or brand_id = ${brand}) order by id`,
  );
  const suppressions = await rows<{
    brand_id: string;
    opt_out_all_entry_id: string | null;
    opt_out_marketing_entry_id: string | null;
  }>(
    tx,
    sql`select brand_id, opt_out_all_entry_id, opt_out_marketing_entry_id from consent_suppressions
      where workspace_id = ${o.workspaceId} and contact_id = ${o.contactId} and (${brand}::text is null or brand_id = ${brand})
        and (opt_out_all_entry_id is not null or opt_out_marketing_entry_id is not null) order by brand_id`,
  );
  return {
    contactId: o.contactId,
    grants: grants.map((r) => {
      const { contactId: _c, ...g } = toGrant(r);
      return { ...g, standing: grantStanding(g, o.at) };
    }),
    suppressions: suppressions.map((s) => ({
      brandId: s.brand_id,
      optOutAllEntryId: s.opt_out_all_entry_id,
      optOutMarketingEntryId: s.opt_out_marketing_entry_id,
    })),
  };
}
