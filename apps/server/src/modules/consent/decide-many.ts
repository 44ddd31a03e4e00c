import type { TTx } from "../../core/db/tx.js";
import type { TDecision, TDecisionInput } from "./consent.types.js";
import { evaluateDecision } from "./evaluate-decision.js";
import { getCampaigns } from "./get-campaigns.js";
import { keyOf, readDecisionFacts } from "./read-decision-facts.js";

/**
 * Decide many sends at once: one call of `assent_decision_facts_compact` (migrations 0240, 0250) reads
 * every contact's flags, opt-outs and grants of the brand asked for (inputs may span workspaces in a
 * system transaction), plus one statement for campaigns when any input names one. With `lock: "share"` the same call first
 * share-locks the contacts' consent heads (creating missing ones), so no send is decided on a state older
 * than a committed opt-out. Call it before writing audit events in the same transaction (opt-outs lock the
 * consent head, then the audit head).
 */
export async function decideMany(
  tx: TTx,
  inputs: TDecisionInput[],
  o: { lock: "share" | "none" },
): Promise<TDecision[]> {
  if (inputs.length === 0) return [];
  const facts = await readDecisionFacts(tx, inputs, o);
  const wanted = inputs.flatMap((i) =>
    i.campaignId ? [{ workspaceId: i.workspaceId, campaignId: i.campaignId }] : [],
  );
  const campaigns = await getCampaigns(tx, wanted);
  return inputs.map((i) => {
    const f = facts.get(keyOf(i.workspaceId, i.contactId, i.brandId));
    const campaign = i.campaignId ? campaigns.get(`${i.workspaceId}:${i.campaignId}`) : undefined;
    if (!f)
      return evaluateDecision(i, {
        contact: null,
        brandFound: false,
        quietHours: null,
        suppression: null,
        grants: [],
        campaign,
      });
    return evaluateDecision(i, { ...f, campaign });
  });
}
