import { sql } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { newId } from "../../core/ids.js";
import { blindIndex, encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import type { TContactChannel } from "./contact-channel.js";
import { findContactByIdentity } from "./find-contact-by-identity.js";
import { insertIdentity } from "./insert-identity.js";
import { lockAddress } from "./lock-address.js";
import { normalizeAddress } from "./normalize-address.js";

export interface TResolveContactOptions {
  workspaceId: string;
  channel: TContactChannel;
  address: string;
  /** Create the contact (or its identity on this channel) when it does not exist. */
  create: boolean;
  /** The request field the address came from, named in `invalid_address` errors. */
  field?: string;
  /** An address typed in through the API: phone numbers must be assigned ones (normalizeAddress). */
  assignedOnly?: boolean;
  /** The name the channel reports (WhatsApp profile, Telegram name); stored sealed when the contact has none. */
  profileName?: string;
  actor?: TActor;
  requestId?: string;
}

export interface TResolvedContact {
  contactId: string;
  created: boolean;
  /** The normalised address (E.164 for phone numbers). */
  address: string;
}

const SYSTEM: TActor = { type: "system", id: null };

/**
 * Find (or with `create`, create) the contact behind a channel address. A phone number already known on
 * another phone channel resolves to that contact (and, with `create`, gains an identity on this channel).
 * Creation is serialised per address (see lockAddress): resolve contacts before writing audit events in
 * the same transaction. Works in a workspace or a system transaction.
 */
export async function resolveContactByAddress(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: TResolveContactOptions,
): Promise<TResolvedContact | null> {
  const n = normalizeAddress(o.channel, o.address, o.field ?? "address", {
    assignedOnly: o.assignedOnly === true,
  });
  const index = blindIndex(keys, n.kind, n.address);
  const key = { workspaceId: o.workspaceId, channel: o.channel, kind: n.kind, index };
  const existing = await findContactByIdentity(tx, key);
  if (existing && (existing.onChannel || !o.create)) {
    if (o.profileName) await fillDisplayName(tx, keys, o.workspaceId, existing.contactId, o.profileName);
    return { contactId: existing.contactId, created: false, address: n.address };
  }
  if (!o.create) return null;
  await lockAddress(tx, { workspaceId: o.workspaceId, kind: n.kind, index });
  const raced = await findContactByIdentity(tx, key);
  if (raced?.onChannel) return { contactId: raced.contactId, created: false, address: n.address };
  const now = new Date();
  const actor = o.actor ?? SYSTEM;
  const base = { workspaceId: o.workspaceId, channel: o.channel, n, index, now };
  if (raced) {
    await insertIdentity(tx, keys, { ...base, contactId: raced.contactId });
    await recordAudit(tx, {
      workspaceId: o.workspaceId,
      actor,
      action: "contact.identity_added",
      targetType: "contact",
      targetId: raced.contactId,
      requestId: o.requestId,
      details: { channel: o.channel, kind: n.kind },
    });
    return { contactId: raced.contactId, created: false, address: n.address };
  }
  const contactId = newId("ctc");
  const name = o.profileName?.trim()
    ? encryptField(keys, o.workspaceId, o.profileName.trim().slice(0, 200))
    : null;
  await tx.execute(sql`insert into contacts (id, workspace_id, display_name_sealed, minor, created_at, updated_at)
    values (${contactId}, ${o.workspaceId}, ${name}, false, ${now}, ${now})`);
  await insertIdentity(tx, keys, { ...base, contactId });
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor,
    action: "contact.created",
    targetType: "contact",
    targetId: contactId,
    requestId: o.requestId,
    details: { channel: o.channel, kind: n.kind },
  });
  return { contactId, created: true, address: n.address };
}

async function fillDisplayName(
  tx: TTx,
  keys: TWorkspaceKeys,
  workspaceId: string,
  contactId: string,
  name: string,
): Promise<void> {
  const trimmed = name.trim().slice(0, 200);
  if (!trimmed) return;
  await tx.execute(sql`update contacts set display_name_sealed = ${encryptField(keys, workspaceId, trimmed)}, updated_at = now()
    where workspace_id = ${workspaceId} and id = ${contactId} and display_name_sealed is null and erased_at is null`);
}
