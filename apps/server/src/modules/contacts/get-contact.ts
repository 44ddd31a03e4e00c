import type { TTx } from "../../core/db/tx.js";
import type { TWorkspaceKeys } from "../../core/keyring.js";
import { getContacts, type TContactView } from "./get-contacts.js";

/** One contact with its identities decrypted, or undefined when it is not in this workspace. */
export async function getContact(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: { workspaceId: string; contactId: string },
): Promise<TContactView | undefined> {
  return (await getContacts(tx, keys, { workspaceId: o.workspaceId, contactIds: [o.contactId] }))[0];
}
