import { sql } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { AppError, notFound } from "../../core/errors.js";
import { blindIndex, type TWorkspaceKeys } from "../../core/keyring.js";
import type { TContactChannel } from "./contact-channel.js";
import { findContactByIdentity } from "./find-contact-by-identity.js";
import { insertIdentity } from "./insert-identity.js";
import { lockAddress } from "./lock-address.js";
import { normalizeAddress } from "./normalize-address.js";

/**
 * Give a contact an address on a channel. Adding an address it already has is a no-op (`added: false`);
 * an address owned by another contact is a 409 with that contact's id.
 */
export async function addContactIdentity(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: {
    workspaceId: string;
    contactId: string;
    channel: TContactChannel;
    address: string;
    actor: TActor;
    requestId?: string | undefined;
    now?: Date;
  },
): Promise<{ identityId: string | null; added: boolean; address: string }> {
  const n = normalizeAddress(o.channel, o.address, "address", { assignedOnly: true });
  // NO KEY UPDATE: serialises identity changes of the contact without blocking the foreign-key checks of
  // writers of its consent rows (a dispatcher creating its consent head would otherwise deadlock with an
  // inbound message adding an address).
  const contact = await rows<{ erased_at: Date | null }>(
    tx,
    sql`select erased_at from contacts where workspace_id = ${o.workspaceId} and id = ${o.contactId} for no key update`,
  );
  if (!contact[0]) throw notFound("contact");
  if (contact[0].erased_at !== null)
    throw new AppError("unprocessable", { message: "this contact was erased", field: "contactId" });
  const index = blindIndex(keys, n.kind, n.address);
  await lockAddress(tx, { workspaceId: o.workspaceId, kind: n.kind, index });
  const owner = await findContactByIdentity(tx, {
    workspaceId: o.workspaceId,
    channel: o.channel,
    kind: n.kind,
    index,
  });
  if (owner && owner.contactId !== o.contactId) {
    throw new AppError("conflict", {
      message: "this address belongs to another contact",
      field: "address",
      details: { contactId: owner.contactId },
    });
  }
  if (owner?.onChannel) return { identityId: null, added: false, address: n.address };
  const identityId = await insertIdentity(tx, keys, {
    workspaceId: o.workspaceId,
    contactId: o.contactId,
    channel: o.channel,
    n,
    index,
    now: o.now ?? new Date(),
  });
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: o.actor,
    action: "contact.identity_added",
    targetType: "contact",
    targetId: o.contactId,
    requestId: o.requestId,
    details: { channel: o.channel, kind: n.kind, identityId },
  });
  return { identityId, added: true, address: n.address };
}
