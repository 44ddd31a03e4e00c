import type { TTx } from "../../core/db/tx.js";
import type { TDecision, TDecisionInput } from "./consent.types.js";
import { decideMany } from "./decide-many.js";
import type { DecisionFactsCache } from "./decision-facts-cache.js";
import { evaluateDecision } from "./evaluate-decision.js";

export interface TDecideWarmResult {
  /** One per input, in order. */
  decisions: TDecision[];
  /** Inputs whose facts (or campaign) the cache did not hold: worth reading into it after the caller's commit. */
  missed: TDecisionInput[];
}

/**
 * The pipeline's accept-time decision for many sends. Where the warm decision-facts cache (coherent with
 * every writer through the change feed; see DecisionFactsCache) holds a send's facts and they ALLOW it,
 * that answer is used: the dispatcher decides again, under the contact's consent-head lock, before
 * anything is handed to a channel, so an allow can never be the last word. Everything else (a refusal,
 * a quiet-hours deferral, facts or a campaign not cached) is decided from the database in the caller's
 * transaction (decideMany, no lock), as without a cache: a stale refusal would suppress a message for
 * good, so no refusal rests on the cache. Without a cache every send is decided from the database.
 */
export async function decideWarm(
  tx: TTx,
  cache: DecisionFactsCache | undefined,
  inputs: TDecisionInput[],
): Promise<TDecideWarmResult> {
  const decisions: (TDecision | undefined)[] = new Array(inputs.length);
  const missed: TDecisionInput[] = [];
  const rest: number[] = [];
  const now = performance.now();
  inputs.forEach((input, n) => {
    const facts = cache?.peek(input.workspaceId, input.contactId, input.brandId, now);
    const campaignId = input.campaignId ?? null;
    // undefined: not cached; null: no campaign asked for, or (when one is) cached as missing, which may
    // have been created since: then read again, from the database and into the cache.
    const campaign = campaignId === null ? null : cache?.peekCampaign(input.workspaceId, campaignId, now);
    if (facts === undefined || campaign === undefined || (campaignId !== null && campaign === null)) {
      if (cache) missed.push(input);
      rest.push(n);
      return;
    }
    const decision = evaluateDecision(input, {
      contact: facts.contact,
      brandFound: facts.brandFound,
      quietHours: facts.quietHours,
      suppression: facts.suppression,
      grants: facts.grants,
      campaign: campaign ?? undefined,
    });
    if (decision.allowed) decisions[n] = decision;
    else rest.push(n);
  });
  if (rest.length > 0) {
    const read = await decideMany(
      tx,
      rest.map((n) => inputs[n] as TDecisionInput),
      { lock: "none" },
    );
    rest.forEach((n, k) => {
      decisions[n] = read[k];
    });
  }
  return {
    decisions: decisions.map((d) => {
      if (d === undefined) throw new Error("decideWarm: a send was not decided");
      return d;
    }),
    missed,
  };
}
