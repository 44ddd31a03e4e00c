import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import type { TCampaign } from "./consent.types.js";
import { type TCampaignRow, toCampaign } from "./get-campaigns.js";

/** A page of campaigns (optionally of one brand) in id order after `cursor`, plus one to tell if more follow. */
export async function listCampaigns(
  tx: TTx,
  o: { workspaceId: string; brandId?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<TCampaign[]> {
  const found = await rows<TCampaignRow>(
    tx,
    sql`select id, workspace_id, brand_id, name, category, channels, created_at from campaigns
      where workspace_id = ${o.workspaceId} and id > ${o.cursor ?? ""} and (${o.brandId ?? null}::text is null or brand_id = ${o.brandId ?? null})
      order by id limit ${o.limit + 1}`,
  );
  return found.map(toCampaign);
}
