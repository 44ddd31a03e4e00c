import { sql } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { blindIndex, encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import type { TContactChannel } from "./contact-channel.js";
import { canonicalLocale, isTimeZone } from "./contact-profile.js";
import { findContactByIdentity } from "./find-contact-by-identity.js";
import { getContact } from "./get-contact.js";
import type { TContactView } from "./get-contacts.js";
import { insertIdentity } from "./insert-identity.js";
import { lockAddresses } from "./lock-addresses.js";
import { minorUntil } from "./minor-until.js";
import { normalizeAddress, type TNormalizedAddress } from "./normalize-address.js";

export interface TCreateContactOptions {
  workspaceId: string;
  identities: { channel: TContactChannel; address: string }[];
  displayName?: string | undefined;
  locale?: string | undefined;
  timeZone?: string | undefined;
  minor?: boolean | undefined;
  /** YYYY-MM-DD, stored sealed; under 16 counts as a minor for marketing. */
  birthDate?: string | undefined;
  actor: TActor;
  requestId?: string | undefined;
  now?: Date;
}

/**
 * Create a contact with one or more channel identities. An address that already belongs to a contact
 * (a phone number on any phone channel included) is a 409 naming it, with that contact's id in details.
 */
export async function createContact(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: TCreateContactOptions,
): Promise<TContactView> {
  if (o.identities.length === 0) {
    throw new AppError("validation_failed", {
      message: "a contact needs at least one identity",
      field: "identities",
    });
  }
  const locale = o.locale === undefined ? null : canonicalLocale(o.locale);
  if (o.locale !== undefined && locale === null)
    throw new AppError("validation_failed", { message: "not a BCP-47 locale", field: "locale" });
  if (o.timeZone !== undefined && !isTimeZone(o.timeZone)) {
    throw new AppError("validation_failed", { message: "not an IANA time zone", field: "timeZone" });
  }
  const until = o.birthDate === undefined ? null : minorUntil(o.birthDate);
  if (o.birthDate !== undefined && !until)
    throw new AppError("validation_failed", { message: "not a date (YYYY-MM-DD)", field: "birthDate" });
  const wanted: { channel: TContactChannel; n: TNormalizedAddress; index: string; field: string }[] = [];
  o.identities.forEach((identity, i) => {
    const field = `identities[${i}].address`;
    const n = normalizeAddress(identity.channel, identity.address, field, { assignedOnly: true });
    const index = blindIndex(keys, n.kind, n.address);
    if (!wanted.some((w) => w.channel === identity.channel && w.index === index))
      wanted.push({ channel: identity.channel, n, index, field });
  });
  // In the one order every writer of several addresses takes them (lockAddresses), so that this and an
  // import naming the same addresses wait for each other instead of deadlocking.
  await lockAddresses(tx, {
    workspaceId: o.workspaceId,
    addresses: wanted.map((w) => ({ kind: w.n.kind, index: w.index })),
  });
  for (const w of wanted) {
    const owner = await findContactByIdentity(tx, {
      workspaceId: o.workspaceId,
      channel: w.channel,
      kind: w.n.kind,
      index: w.index,
    });
    if (owner) {
      throw new AppError("conflict", {
        message: "this address already belongs to a contact",
        field: w.field,
        details: { contactId: owner.contactId },
      });
    }
  }
  const now = o.now ?? new Date();
  const contactId = newId("ctc");
  const name = o.displayName?.trim() ? encryptField(keys, o.workspaceId, o.displayName.trim()) : null;
  const birth = o.birthDate === undefined ? null : encryptField(keys, o.workspaceId, o.birthDate);
  await tx.execute(sql`insert into contacts (id, workspace_id, display_name_sealed, locale, time_zone, minor, birth_date_sealed,
      minor_until, created_at, updated_at)
    values (${contactId}, ${o.workspaceId}, ${name}, ${locale}, ${o.timeZone ?? null}, ${o.minor ?? false}, ${birth},
      ${until}::timestamptz, ${now}, ${now})`);
  for (const w of wanted) {
    await insertIdentity(tx, keys, {
      workspaceId: o.workspaceId,
      contactId,
      channel: w.channel,
      n: w.n,
      index: w.index,
      now,
    });
  }
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: o.actor,
    action: "contact.created",
    targetType: "contact",
    targetId: contactId,
    requestId: o.requestId,
    details: { identities: wanted.length, channels: wanted.map((w) => w.channel).join(",") },
  });
  const view = await getContact(tx, keys, { workspaceId: o.workspaceId, contactId });
  if (!view) throw new Error("created contact not found");
  return view;
}
