import { sql } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import { newId } from "../../core/ids.js";
import { encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import { CONTACT_CHANGES_CHANNEL, contactChanges } from "./contact-changes.js";
import type { TContactChannel } from "./contact-channel.js";
import type { TNormalizedAddress } from "./normalize-address.js";

/** Store one sealed, indexed identity; a contact without a country takes the phone number's country, region and zone. */
export async function insertIdentity(
  tx: TTx,
  keys: TWorkspaceKeys,
  i: {
    workspaceId: string;
    contactId: string;
    channel: TContactChannel;
    n: TNormalizedAddress;
    index: string;
    now: Date;
  },
): Promise<string> {
  const id = newId("idn");
  const sealed = encryptField(keys, i.workspaceId, i.n.address);
  // A new address can make another process's cached "nobody has this address" wrong, and a first phone
  // number gives the contact a time zone for quiet hours: every process's decision cache drops the
  // contact (and the workspace's unknown addresses) when this commits (NOTIFY, in the same statement);
  // this one at once (below).
  await tx.execute(sql`with added as (
      insert into contact_identities
        (id, workspace_id, contact_id, channel, kind, address_index, address_sealed, created_at)
      values (${id}, ${i.workspaceId}, ${i.contactId}, ${i.channel}, ${i.n.kind}, ${i.index}, ${sealed}, ${i.now})
      returning 1
    )
    select pg_notify(${CONTACT_CHANGES_CHANNEL}, ${`${i.workspaceId} ${i.contactId}`}) from added`);
  if (i.n.country) {
    await tx.execute(sql`update contacts set country = ${i.n.country}, region = ${i.n.region},
        phone_time_zone = ${i.n.timeZone}, updated_at = ${i.now}
      where workspace_id = ${i.workspaceId} and id = ${i.contactId} and country is null`);
  }
  contactChanges.contactChanged(i.workspaceId, i.contactId);
  return id;
}
