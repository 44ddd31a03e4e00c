import { sql } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";

/**
 * lockAddress for many addresses of one workspace at once, in one order (their lock keys' hashes
 * sorted), so that two transactions creating the same contacts from lists in different orders never
 * wait for each other in a cycle. Every writer that takes more than one address lock in a transaction
 * must take them here, in one call (a new contact with several identities, an import): locks taken one
 * by one in any other order (by blind index, by the address as typed, one address then another) can
 * deadlock with it. The locks are re-entrant: resolving each address afterwards takes its lock again
 * without waiting. Take them before writing audit events in the transaction.
 */
export async function lockAddresses(
  tx: TTx,
  o: { workspaceId: string; addresses: readonly { kind: string; index: string }[] },
): Promise<void> {
  const keys = [...new Set(o.addresses.map((a) => `${o.workspaceId}:${a.kind}:${a.index}`))].sort();
  if (keys.length === 0) return;
  // The subquery fixes the order (offset 0 keeps it from being flattened into the lock calls).
  await tx.execute(sql`select pg_advisory_xact_lock(l.h) from (
      select hashtextextended(k, 0) as h from unnest(${sql.param(keys)}::text[]) as k order by h offset 0
    ) l`);
}
