import type { TTx } from "../../core/db/tx.js";
import type { TWorkspaceKeys } from "../../core/keyring.js";
import { contactIdentityHashes } from "./contact-identity-hashes.js";
import { readOptOutPropensities } from "./read-opt-out-propensities.js";

/**
 * The cross-brand opt-out propensity of one contact of this workspace: how many distinct brands, in any
 * workspace, the holder of its phone numbers opted out of in the last 12 months. Only a number: nothing
 * says which brands. Use it to rank or throttle sends; it never enters a consent decision, so it can
 * neither grant nor refuse anything. It is asked by contact, never by number: a contact that is not this
 * workspace's (or has no phone number) is 0, so nobody learns anything about a number it does not hold.
 */
export async function getOptOutPropensity(
  tx: TTx,
  keys: TWorkspaceKeys,
  identityKey: Buffer,
  o: { workspaceId: string; contactId: string; at: Date },
): Promise<number> {
  const hashes = await contactIdentityHashes(tx, keys, identityKey, {
    workspaceId: o.workspaceId,
    contactIds: [o.contactId],
  });
  const mine = hashes.get(o.contactId) ?? [];
  if (mine.length === 0) return 0;
  const [n] = await readOptOutPropensities(tx, { groups: [mine], at: o.at });
  return n ?? 0;
}
