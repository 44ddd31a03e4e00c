import type { TTx } from "../../core/db/tx.js";
import type { TCampaign } from "./consent.types.js";
import { getCampaigns } from "./get-campaigns.js";

/** The campaign, or undefined when it is not in this workspace. */
export async function getCampaign(
  tx: TTx,
  o: { workspaceId: string; campaignId: string },
): Promise<TCampaign | undefined> {
  return (await getCampaigns(tx, [o])).get(`${o.workspaceId}:${o.campaignId}`);
}
