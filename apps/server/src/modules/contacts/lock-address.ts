import { sql } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";

/**
 * Serialise the creation of one address in one workspace until the transaction ends, so two concurrent
 * first messages from a number make one contact. Take it before writing audit events in the transaction.
 * For a transaction that needs several addresses, take them all at once with lockAddresses (one order
 * for every writer), before any of them is resolved.
 */
export async function lockAddress(
  tx: TTx,
  o: { workspaceId: string; kind: string; index: string },
): Promise<void> {
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`${o.workspaceId}:${o.kind}:${o.index}`}, 0))`,
  );
}
