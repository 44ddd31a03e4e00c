import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { decryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import { signalHashes } from "./signal-hashes.js";

/** The identity hashes of contacts' phone numbers (sandbox and non-phone addresses have none), by contact. */
export async function contactIdentityHashes(
  tx: TTx,
  keys: TWorkspaceKeys,
  identityKey: Buffer,
  o: { workspaceId: string; contactIds: readonly string[] },
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (o.contactIds.length === 0) return out;
  const found = await rows<{ contact_id: string; address_sealed: string }>(
    tx,
    sql`select contact_id, address_sealed from contact_identities where workspace_id = ${o.workspaceId}
      and contact_id = any(${sql.param([...o.contactIds])}::text[]) and kind = 'phone' and address_sealed is not null`,
  );
  for (const r of found) {
    const hash = signalHashes.identity(identityKey, decryptField(keys, o.workspaceId, r.address_sealed));
    const list = out.get(r.contact_id) ?? [];
    if (!list.includes(hash)) list.push(hash);
    out.set(r.contact_id, list);
  }
  return out;
}
