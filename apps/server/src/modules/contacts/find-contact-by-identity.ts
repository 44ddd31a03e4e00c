import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { phoneChannels, type TContactChannel, type TIdentityKind } from "./contact-channel.js";

/**
 * The contact that owns an address (given as its blind index). `onChannel` is false when only the same
 * phone number on another phone channel matched.
 */
export async function findContactByIdentity(
  tx: TTx,
  o: { workspaceId: string; channel: TContactChannel; kind: TIdentityKind; index: string },
): Promise<{ contactId: string; onChannel: boolean } | undefined> {
  const acrossPhones = o.kind === "phone" && phoneChannels.includes(o.channel);
  const found = await rows<{ contact_id: string; channel: string }>(
    tx,
    acrossPhones
      ? sql`select contact_id, channel from contact_identities
          where workspace_id = ${o.workspaceId} and kind = 'phone' and address_index = ${o.index}
          order by (channel = ${o.channel}) desc, created_at limit 1`
      : sql`select contact_id, channel from contact_identities
          where workspace_id = ${o.workspaceId} and channel = ${o.channel} and address_index = ${o.index} limit 1`,
  );
  const row = found[0];
  return row ? { contactId: row.contact_id, onChannel: row.channel === o.channel } : undefined;
}
