import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { readIntentSettings, type TIntentSettings } from "./intent-settings.schema.js";

export interface TBrandIntent {
  brandId: string;
  brandName: string;
  settings: TIntentSettings;
}

/** A brand's name and intent settings (`brands.settings.intent`, defaults filled in), or undefined. */
export async function getIntentSettings(
  tx: TTx,
  o: { workspaceId: string; brandId: string },
): Promise<TBrandIntent | undefined> {
  const found = await rows<{ id: string; name: string; intent: unknown }>(
    tx,
    sql`select id, name, settings -> 'intent' as intent from brands
        where workspace_id = ${o.workspaceId} and id = ${o.brandId}`,
  );
  const row = found[0];
  return row ? { brandId: row.id, brandName: row.name, settings: readIntentSettings(row.intent) } : undefined;
}
