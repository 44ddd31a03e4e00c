import { sql } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { forgetBrandIntent } from "./brand-intent-cache.js";
import type { TIntentSettings } from "./intent-settings.schema.js";

/**
 * Replaces `brands.settings.intent` (and only that key) of one brand, with its audit record. Returns
 * false when the brand does not exist in this workspace. The legal opt-out keywords are not stored:
 * they apply whatever the brand configures.
 */
export async function updateIntentSettings(
  tx: TTx,
  o: {
    workspaceId: string;
    brandId: string;
    settings: TIntentSettings;
    actor: TActor;
    requestId?: string | undefined;
  },
): Promise<boolean> {
  const updated = await rows<{ id: string }>(
    tx,
    sql`update brands set settings = jsonb_set(coalesce(settings, '{}'::jsonb), '{intent}', ${JSON.stringify(o.settings)}::jsonb, true)
        where workspace_id = ${o.workspaceId} and id = ${o.brandId} returning id`,
  );
  if (updated.length === 0) return false;
  forgetBrandIntent({ workspaceId: o.workspaceId, brandId: o.brandId });
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: o.actor,
    action: "brand.intent_settings_updated",
    targetType: "brand",
    targetId: o.brandId,
    requestId: o.requestId,
    details: {
      customKeywords: o.settings.customKeywords.length,
      uncertainPolicy: o.settings.uncertainPolicy,
      clarifyTimeoutHours: o.settings.clarifyTimeoutHours,
    },
  });
  return true;
}
