import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { decryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import type { TContactChannel } from "./contact-channel.js";

export interface TContactIdentityView {
  id: string;
  channel: TContactChannel;
  /** Decrypted address; null once erased. */
  address: string | null;
  createdAt: Date;
}

/** A contact as operations and presenters see it: personal fields decrypted. */
export interface TContactView {
  id: string;
  displayName: string | null;
  locale: string | null;
  timeZone: string | null;
  country: string | null;
  region: string | null;
  /**
   * The zone the first phone number suggests (area code or country), or the zones separated by spaces when
   * its area code spans several (`timeZoneList`); `timeZone` wins over it.
   */
  phoneTimeZone: string | null;
  minor: boolean;
  /** YYYY-MM-DD, decrypted. */
  birthDate: string | null;
  /** Under 16 until then (from birthDate): no marketing. */
  minorUntil: Date | null;
  restrictedAt: Date | null;
  erasedAt: Date | null;
  identities: TContactIdentityView[];
  createdAt: Date;
  updatedAt: Date;
}

interface TContactRow {
  id: string;
  display_name_sealed: string | null;
  locale: string | null;
  time_zone: string | null;
  country: string | null;
  region: string | null;
  phone_time_zone: string | null;
  minor: boolean;
  birth_date_sealed: string | null;
  minor_until: Date | string | null;
  restricted_at: Date | string | null;
  erased_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const date = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));
const maybeDate = (v: Date | string | null): Date | null => (v === null ? null : date(v));

/** Contacts of a workspace by id, with their identities, in the order asked; unknown ids are left out. */
export async function getContacts(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: { workspaceId: string; contactIds: string[] },
): Promise<TContactView[]> {
  if (o.contactIds.length === 0) return [];
  const ids = sql.param(o.contactIds);
  const found = await rows<TContactRow>(
    tx,
    sql`select id, display_name_sealed, locale, time_zone, country, region, phone_time_zone, minor, birth_date_sealed, minor_until,
        restricted_at, erased_at, created_at, updated_at
      from contacts where workspace_id = ${o.workspaceId} and id = any(${ids}::text[])`,
  );
  const identities = await rows<{
    id: string;
    contact_id: string;
    channel: TContactChannel;
    address_sealed: string | null;
    created_at: Date | string;
  }>(
    tx,
    sql`select id, contact_id, channel, address_sealed, created_at from contact_identities
      where workspace_id = ${o.workspaceId} and contact_id = any(${ids}::text[]) order by created_at, id`,
  );
  const byContact = new Map<string, TContactIdentityView[]>();
  for (const i of identities) {
    const list = byContact.get(i.contact_id) ?? [];
    list.push({
      id: i.id,
      channel: i.channel,
      createdAt: date(i.created_at),
      address: i.address_sealed === null ? null : decryptField(keys, o.workspaceId, i.address_sealed),
    });
    byContact.set(i.contact_id, list);
  }
  const views = new Map<string, TContactView>();
  for (const c of found) {
    views.set(c.id, {
      id: c.id,
      displayName:
        c.display_name_sealed === null ? null : decryptField(keys, o.workspaceId, c.display_name_sealed),
      locale: c.locale,
      timeZone: c.time_zone,
      country: c.country,
      region: c.region,
      phoneTimeZone: c.phone_time_zone,
      minor: c.minor,
      birthDate: c.birth_date_sealed === null ? null : decryptField(keys, o.workspaceId, c.birth_date_sealed),
      minorUntil: maybeDate(c.minor_until),
      restrictedAt: maybeDate(c.restricted_at),
      erasedAt: maybeDate(c.erased_at),
      identities: byContact.get(c.id) ?? [],
      createdAt: date(c.created_at),
      updatedAt: date(c.updated_at),
    });
  }
  return o.contactIds.flatMap((id) => views.get(id) ?? []);
}
