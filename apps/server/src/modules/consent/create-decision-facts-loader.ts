import type { TAppContext } from "../../core/context.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { contactChanges, findContactsByIdentity } from "../contacts/index.js";
import { IDENTITY_KEY_NAME } from "./consent-key-rings.js";
import { contactIdentityHashes } from "./contact-identity-hashes.js";
import type { TCachedFacts, TDecisionFactsLoader } from "./decision-facts-cache.js";
import { getCampaign } from "./get-campaign.js";
import { keyOf, readDecisionFacts } from "./read-decision-facts.js";
import { readOptOutPropensities } from "./read-opt-out-propensities.js";

const pairKey = (contactId: string, brandId: string) => `${contactId}\u0000${brandId}`;
const HASHES_TTL_MS = 60_000;

/**
 * How the check cache reads the database: one workspace transaction per batch of misses, reading the
 * decision facts (readDecisionFacts, no locks) and the contacts' cross-brand signal. Keys are fetched
 * before the transaction opens (an embedded database has one connection).
 */
export function createDecisionFactsLoader(ctx: TAppContext): TDecisionFactsLoader {
  const identityKey = () => ctx.keys.platformKey(ctx.db, IDENTITY_KEY_NAME);
  // A contact's phone numbers rarely change: their hashes (a decryption and an HMAC each) are kept for a
  // minute, or until this process changes the contact. They only feed the signal, never a decision.
  const hashesOf = new Map<string, { hashes: string[]; at: number }>();
  contactChanges.listen((workspaceId, contactId) => hashesOf.delete(`${workspaceId}\u0000${contactId}`));
  const known = (workspaceId: string, contactId: string) => {
    const hit = hashesOf.get(`${workspaceId}\u0000${contactId}`);
    return hit && performance.now() - hit.at < HASHES_TTL_MS ? hit.hashes : undefined;
  };
  return {
    async facts(workspaceId, pairs) {
      const keys = await ctx.keys.forWorkspace(ctx.db, workspaceId);
      const idKey = await identityKey();
      const at = ctx.clock();
      return withWorkspaceTx(ctx.db, workspaceId, async (tx) => {
        const facts = await readDecisionFacts(
          tx,
          pairs.map((p) => ({ workspaceId, ...p })),
          { lock: "none" },
        );
        const contactIds = [...new Set(pairs.map((p) => p.contactId).filter((c) => c !== ""))];
        const unknown = contactIds.filter((c) => !known(workspaceId, c));
        const read = await contactIdentityHashes(tx, keys, idKey, { workspaceId, contactIds: unknown });
        if (hashesOf.size + unknown.length > 100_000) hashesOf.clear();
        const now = performance.now();
        for (const c of unknown)
          hashesOf.set(`${workspaceId}\u0000${c}`, { hashes: read.get(c) ?? [], at: now });
        const scores = await readOptOutPropensities(tx, {
          groups: contactIds.map((c) => known(workspaceId, c) ?? read.get(c) ?? []),
          at,
        });
        const scoreOf = new Map(contactIds.map((c, i) => [c, scores[i] ?? 0]));
        const out = new Map<string, TCachedFacts>();
        for (const p of pairs) {
          const f = facts.get(keyOf(workspaceId, p.contactId, p.brandId));
          out.set(pairKey(p.contactId, p.brandId), {
            ...(f ?? {
              contact: null,
              brandFound: false,
              quietHours: null,
              suppression: null,
              grants: [],
            }),
            optOutPropensity: scoreOf.get(p.contactId) ?? 0,
          });
        }
        return out;
      });
    },
    campaign: (workspaceId, campaignId) =>
      withWorkspaceTx(ctx.db, workspaceId, (tx) => getCampaign(tx, { workspaceId, campaignId })),
    contactsByAddress: (workspaceId, items) =>
      withWorkspaceTx(ctx.db, workspaceId, (tx) => findContactsByIdentity(tx, { workspaceId, items })),
  };
}
