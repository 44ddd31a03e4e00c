import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";

export interface TActiveSubscription {
  id: string;
  events: readonly string[];
}

/** How long a workspace's subscription list is trusted in a process that did not change it. */
export const SUBSCRIPTION_CACHE_TTL_MS = 10_000;
const MAX_ENTRIES = 50_000;

const cache = new Map<string, { subscriptions: TActiveSubscription[]; expires: number }>();

/** The cached enabled subscriptions of a workspace, or undefined when unknown or stale. */
export function cachedSubscriptions(
  workspaceId: string,
  now = Date.now(),
): TActiveSubscription[] | undefined {
  const entry = cache.get(workspaceId);
  if (!entry) return undefined;
  if (entry.expires <= now) {
    cache.delete(workspaceId);
    return undefined;
  }
  return entry.subscriptions;
}

/** The enabled subscriptions of a workspace: from the cache, else read in the caller's transaction. */
export async function activeSubscriptions(tx: TTx, workspaceId: string): Promise<TActiveSubscription[]> {
  const cached = cachedSubscriptions(workspaceId);
  if (cached) return cached;
  const found = await rows<{ id: string; events: string[] }>(
    tx,
    sql`select id, events from webhook_subscriptions where workspace_id = ${workspaceId} and enabled order by id`,
  );
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(workspaceId, { subscriptions: found, expires: Date.now() + SUBSCRIPTION_CACHE_TTL_MS });
  return found;
}

/** Forget a workspace's subscriptions (after a change commits) so this process sees it at once. */
export function invalidateWebhookSubscriptions(workspaceId?: string): void {
  if (workspaceId === undefined) cache.clear();
  else cache.delete(workspaceId);
}
