import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import type { TWorkspaceKeys } from "../../core/keyring.js";
import { getContacts, type TContactView } from "./get-contacts.js";

/** A page of contacts in id (creation) order after `cursor`; one extra row tells whether more follow. */
export async function listContacts(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: { workspaceId: string; limit: number; cursor?: string | undefined },
): Promise<TContactView[]> {
  const ids = await rows<{ id: string }>(
    tx,
    sql`select id from contacts where workspace_id = ${o.workspaceId} and id > ${o.cursor ?? ""} order by id limit ${o.limit + 1}`,
  );
  return getContacts(tx, keys, { workspaceId: o.workspaceId, contactIds: ids.map((r) => r.id) });
}
