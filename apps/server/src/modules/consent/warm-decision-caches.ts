import type { TAppContext } from "../../core/context.js";
import type { DecisionFactsCache } from "./decision-facts-cache.js";

const byContext = new WeakMap<TAppContext, DecisionFactsCache>();

/**
 * The warm decision-facts cache of a context, for the pipeline's accept-time decision (decideWarm). The
 * consent routes create it with its change feed and register it here; a context without them (a worker,
 * a test) has none, and its sends are decided in the database alone.
 */
export const warmDecisionCaches = {
  register(ctx: TAppContext, cache: DecisionFactsCache): void {
    byContext.set(ctx, cache);
  },

  /** Forget the cache when it closes (only if it is still the registered one). */
  forget(ctx: TAppContext, cache: DecisionFactsCache): void {
    if (byContext.get(ctx) === cache) byContext.delete(ctx);
  },

  of(ctx: TAppContext): DecisionFactsCache | undefined {
    return byContext.get(ctx);
  },
};
