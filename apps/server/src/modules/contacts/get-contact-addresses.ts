import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { decryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import { phoneChannels, type TContactChannel } from "./contact-channel.js";

/**
 * The decrypted address of each contact on a channel, for sending (batch, for the dispatcher). A phone
 * number wins over any other kind of address (on WhatsApp, over a business-scoped user id kept beside it:
 * some templates cannot be sent to one); then an identity on that very channel (newest first); on a phone
 * channel a phone number known from another phone channel is used next. Erased contacts and contacts with
 * no address there are absent from the map.
 */
export async function getContactAddresses(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: { workspaceId: string; contactIds: string[]; channel: TContactChannel },
): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  if (o.contactIds.length === 0) return result;
  const viaPhone = phoneChannels.includes(o.channel);
  const found = await rows<{ contact_id: string; address_sealed: string }>(
    tx,
    sql`select distinct on (i.contact_id) i.contact_id, i.address_sealed
      from contact_identities i
      join contacts c on c.workspace_id = i.workspace_id and c.id = i.contact_id and c.erased_at is null
      where i.workspace_id = ${o.workspaceId} and i.contact_id = any(${sql.param(o.contactIds)}::text[])
        and i.address_sealed is not null
        and (i.channel = ${o.channel} or (${viaPhone} and i.kind = 'phone' and i.channel in ('sms', 'whatsapp', 'voice')))
      order by i.contact_id, (i.kind = 'phone') desc, (i.channel = ${o.channel}) desc, i.created_at desc`,
  );
  for (const r of found) result.set(r.contact_id, decryptField(keys, o.workspaceId, r.address_sealed));
  return result;
}
