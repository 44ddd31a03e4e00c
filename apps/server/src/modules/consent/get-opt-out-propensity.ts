import type { TTx } from "../../core/db/tx.js";
import { readOptOutPropensities } from "./read-opt-out-propensities.js";

/**
 * The cross-brand opt-out propensity of one person: how many distinct brands, in any workspace, the
 * holder of these phone-number identity hashes (see contactIdentityHashes) opted out of in the last 12
 * months. Only a number: nothing says which brands. Use it to rank or throttle sends; it never enters a
 * consent decision, so it can neither grant nor refuse anything.
 */
export async function getOptOutPropensity(
  tx: TTx,
  o: { identityHashes: readonly string[]; at: Date },
): Promise<number> {
  const [n] = await readOptOutPropensities(tx, { groups: [o.identityHashes], at: o.at });
  return n ?? 0;
}
