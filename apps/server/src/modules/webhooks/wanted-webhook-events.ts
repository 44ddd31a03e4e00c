import type { TTx } from "../../core/db/tx.js";
import { selectorMatches, type TWebhookEventInput } from "./event-types.js";
import { activeSubscriptions, cachedSubscriptions, type TActiveSubscription } from "./subscription-cache.js";

/**
 * The events (in their order) that an enabled subscription of their workspace asks for: those
 * emitWebhookEvents would store. An emitter can then read what only a stored event needs, and read
 * nothing when no one listens (a workspace known to have no subscription costs no statement).
 */
export async function wantedWebhookEvents<T extends TWebhookEventInput>(
  tx: TTx,
  events: readonly T[],
): Promise<T[]> {
  const subscriptionsOf = new Map<string, TActiveSubscription[]>();
  const wanted: T[] = [];
  for (const e of events) {
    if (cachedSubscriptions(e.workspaceId)?.length === 0) continue;
    let subscriptions = subscriptionsOf.get(e.workspaceId);
    if (!subscriptions) {
      subscriptions = await activeSubscriptions(tx, e.workspaceId);
      subscriptionsOf.set(e.workspaceId, subscriptions);
    }
    if (subscriptions.some((s) => selectorMatches(s.events, e.type))) wanted.push(e);
  }
  return wanted;
}
