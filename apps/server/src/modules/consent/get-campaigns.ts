import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import type { TContactChannel } from "../contacts/index.js";
import type { TCampaign, TCategory } from "./consent.types.js";
import { toDate } from "./ledger-entry.js";

export interface TCampaignRow {
  id: string;
  workspace_id: string;
  brand_id: string;
  name: string;
  category: string;
  channels: string[];
  created_at: Date | string;
}

export function toCampaign(r: TCampaignRow): TCampaign {
  return {
    id: r.id,
    brandId: r.brand_id,
    name: r.name,
    category: r.category as TCategory,
    channels: r.channels as TContactChannel[],
    createdAt: toDate(r.created_at),
  };
}

/** Campaigns by id across workspaces (for batch decisions in a system transaction), keyed `workspaceId:id`. */
export async function getCampaigns(
  tx: TTx,
  keys: { workspaceId: string; campaignId: string }[],
): Promise<Map<string, TCampaign>> {
  const out = new Map<string, TCampaign>();
  if (keys.length === 0) return out;
  const found = await rows<TCampaignRow>(
    tx,
    sql`select c.id, c.workspace_id, c.brand_id, c.name, c.category, c.channels, c.created_at
      from unnest(${sql.param(keys.map((k) => k.workspaceId))}::text[], ${sql.param(keys.map((k) => k.campaignId))}::text[]) as k(ws, id)
      join campaigns c on c.workspace_id = k.ws and c.id = k.id`,
  );
  for (const r of found) out.set(`${r.workspace_id}:${r.id}`, toCampaign(r));
  return out;
}
