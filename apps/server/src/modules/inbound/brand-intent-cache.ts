import type { TTx } from "../../core/db/tx.js";
import { getIntentSettings, type TBrandIntent } from "./get-intent-settings.js";

/**
 * A brand's name and intent settings are read by every inbound message: they are kept this long per
 * process. A change made in this process applies at once; other processes see it within this time.
 */
export const BRAND_INTENT_TTL_MS = 5_000;
const MAX_CACHED = 5_000;
const cache = new Map<string, { value: TBrandIntent; until: number }>();

/** The brand's intent settings, from the per-process cache or the database (inside the caller's transaction). */
export async function cachedBrandIntent(
  tx: TTx,
  o: { workspaceId: string; brandId: string },
): Promise<TBrandIntent | undefined> {
  const key = `${o.workspaceId}:${o.brandId}`;
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.value;
  const value = await getIntentSettings(tx, o);
  if (!value) return undefined;
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, { value, until: now + BRAND_INTENT_TTL_MS });
  return value;
}

/** Drop a brand's cached settings (after they change in this process). */
export function forgetBrandIntent(o: { workspaceId: string; brandId: string }): void {
  cache.delete(`${o.workspaceId}:${o.brandId}`);
}
