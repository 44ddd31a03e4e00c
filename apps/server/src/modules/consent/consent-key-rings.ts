import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import type { KeyRing, TWorkspaceKeys } from "../../core/keyring.js";

/** Name of the platform key of the cross-workspace identity hash. */
export const IDENTITY_KEY_NAME = "identity";

export interface TConsentKeys {
  keys: TWorkspaceKeys;
  identityKey: Buffer;
}

/** Key rings of this process (normally one; tests run several contexts), most recent first. */
const rings: KeyRing[] = [];
const resolved = new Map<string, TConsentKeys>();
const MAX_RINGS = 8;
const MAX_CACHED = 10_000;

/**
 * How consent writers, which receive only a transaction, reach the process's keys: the workspace's keys
 * (to open the contact's phone numbers) and the platform identity key (to hash them for the cross-brand
 * signal). `use` registers a context's key ring (mounting the consent or contact routes does it;
 * initConsent at process start covers every role).
 */
export const consentKeyRings = {
  /** Whether this ring is registered (what initConsent guarantees for every role). */
  registered(ring: KeyRing): boolean {
    return rings.includes(ring);
  },

  use(ring: KeyRing): void {
    const at = rings.indexOf(ring);
    if (at === 0) return;
    if (at > 0) rings.splice(at, 1);
    rings.unshift(ring);
    if (rings.length > MAX_RINGS) rings.pop();
  },

  /**
   * The keys from inside the caller's transaction, or null when this process registered no key ring or
   * no identity key exists yet (it is created outside any transaction, at route mount, so that a rolled
   * back transaction can never leave this process holding a key the database does not). A ring that does
   * not hold the keys already reads them in a savepoint of this transaction, and the role and RLS
   * settings that changes are put back.
   */
  async inTx(tx: TTx, workspaceId: string): Promise<TConsentKeys | null> {
    const known = resolved.get(workspaceId);
    if (known) return known;
    if (rings.length === 0) return null;
    const [saved] = await rows<{ role: string; workspace: string; bypass: string; has_key: boolean }>(
      tx,
      sql`select current_setting('role') as role, coalesce(current_setting('app.workspace_id', true), '') as workspace,
        coalesce(current_setting('app.bypass_rls', true), '') as bypass,
        exists (select 1 from platform_keys where name = ${IDENTITY_KEY_NAME}) as has_key`,
    );
    if (!saved?.has_key) return null;
    try {
      for (const ring of rings) {
        // Workspace ids are unique across databases: the ring that opens this workspace's key is this
        // database's, so its identity key is the right one.
        const keys = await ring.forWorkspace(tx, workspaceId).catch(() => null);
        if (!keys) continue;
        const identityKey = await ring.platformKey(tx, IDENTITY_KEY_NAME);
        if (resolved.size >= MAX_CACHED) resolved.clear();
        const found = { keys, identityKey };
        resolved.set(workspaceId, found);
        return found;
      }
      return null;
    } finally {
      await tx.execute(sql`select set_config('role', ${saved.role}, true),
        set_config('app.workspace_id', ${saved.workspace}, true), set_config('app.bypass_rls', ${saved.bypass}, true)`);
    }
  },
};
