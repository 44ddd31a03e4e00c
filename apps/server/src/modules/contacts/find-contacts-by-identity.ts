import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { phoneChannels, type TContactChannel, type TIdentityKind } from "./contact-channel.js";

/**
 * findContactByIdentity for many addresses in one statement: for each (channel, kind, blind index), the
 * contact that owns it (a phone number on any phone channel, preferring this channel's own identity),
 * keyed `channel:index`. Addresses nobody has are absent.
 */
export async function findContactsByIdentity(
  tx: TTx,
  o: {
    workspaceId: string;
    items: readonly { channel: TContactChannel; kind: TIdentityKind; index: string }[];
  },
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (o.items.length === 0) return out;
  const across = o.items.map((i) => i.kind === "phone" && phoneChannels.includes(i.channel));
  const found = await rows<{ channel: string; idx: string; contact_id: string }>(
    tx,
    sql`select distinct on (u.ch, u.idx) u.ch as channel, u.idx, ci.contact_id
      from unnest(${sql.param(o.items.map((i) => i.channel))}::text[], ${sql.param(o.items.map((i) => i.index))}::text[],
          ${sql.param(across)}::boolean[]) as u(ch, idx, across)
      join contact_identities ci on ci.workspace_id = ${o.workspaceId} and ci.address_index = u.idx
        and (case when u.across then ci.kind = 'phone' else ci.channel = u.ch end)
      order by u.ch, u.idx, (ci.channel = u.ch) desc, ci.created_at`,
  );
  for (const r of found) out.set(`${r.channel}:${r.idx}`, r.contact_id);
  return out;
}
