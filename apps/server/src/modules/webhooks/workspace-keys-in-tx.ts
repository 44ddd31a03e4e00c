import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import type { KeyRing, TWorkspaceKeys } from "../../core/keyring.js";

/** Key rings of this process (normally one; tests may run several contexts), most recent first. */
const rings: KeyRing[] = [];
const resolved = new Map<string, TWorkspaceKeys>();
const MAX_RINGS = 8;
const MAX_CACHED = 10_000;

/** Make a context's key ring available to emitters, which receive only a transaction. */
export function useWebhookKeyRing(ring: KeyRing): void {
  const at = rings.indexOf(ring);
  if (at === 0) return;
  if (at > 0) rings.splice(at, 1);
  rings.unshift(ring);
  if (rings.length > MAX_RINGS) rings.pop();
}

/**
 * The workspace's keys from inside the caller's transaction. Normally the key ring already holds them (the
 * caller loaded them to seal its own fields) and no statement runs. Otherwise the ring reads the wrapped key
 * in a savepoint of this same transaction — a second connection would deadlock PGlite — and the role and
 * RLS settings it changes are put back, so the caller's transaction keeps its workspace confinement.
 */
export async function workspaceKeysInTx(tx: TTx, workspaceId: string): Promise<TWorkspaceKeys> {
  const known = resolved.get(workspaceId);
  if (known) return known;
  if (rings.length === 0)
    throw new Error("webhooks: no key ring registered in this process (call initWebhooks(ctx) at start)");
  const [saved] = await rows<{ role: string; workspace: string; bypass: string }>(
    tx,
    sql`select current_setting('role') as role, coalesce(current_setting('app.workspace_id', true), '') as workspace,
      coalesce(current_setting('app.bypass_rls', true), '') as bypass`,
  );
  let lastError: unknown;
  try {
    for (const ring of rings) {
      try {
        const keys = await ring.forWorkspace(tx, workspaceId);
        if (resolved.size >= MAX_CACHED) resolved.clear();
        resolved.set(workspaceId, keys);
        return keys;
      } catch (error) {
        lastError = error;
      }
    }
  } finally {
    if (saved) {
      await tx.execute(sql`select set_config('role', ${saved.role}, true),
        set_config('app.workspace_id', ${saved.workspace}, true), set_config('app.bypass_rls', ${saved.bypass}, true)`);
    }
  }
  throw new Error(`webhooks: no key for workspace ${workspaceId}`, { cause: lastError });
}
