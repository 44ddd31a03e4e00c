import type { TTx } from "../../core/db/tx.js";
import type { TWorkspaceKeys } from "../../core/keyring.js";
import type { TContactChannel } from "./contact-channel.js";
import { getContactAddresses } from "./get-contact-addresses.js";

/** The decrypted address of a contact on a channel (for sending), or null when it has none there. */
export async function getContactAddress(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: { workspaceId: string; contactId: string; channel: TContactChannel },
): Promise<string | null> {
  const found = await getContactAddresses(tx, keys, {
    workspaceId: o.workspaceId,
    contactIds: [o.contactId],
    channel: o.channel,
  });
  return found.get(o.contactId) ?? null;
}
