import { sql } from "drizzle-orm";
import { deriveKey, hmacHex, newDataKey, openBytes, sealBytes } from "./crypto.js";
import type { TDb } from "./db/client.js";
import { rows, type TTx, withSystemTx } from "./db/tx.js";

export interface TWorkspaceKeys {
  readonly version: number;
  /** AES-256-GCM key for fields. */
  readonly encryption: Buffer;
  /** HMAC-SHA256 key for blind indexes (exact lookups over encrypted fields). */
  readonly index: Buffer;
}

/**
 * Holds the master key and the unwrapped per-workspace data keys. Field values are sealed as
 * `v<version>.<base64url>` with the workspace id as additional data, so a value copied into another
 * workspace does not decrypt.
 */
export class KeyRing {
  private readonly cache = new Map<string, TWorkspaceKeys>();
  private readonly platform = new Map<string, Buffer>();

  constructor(private masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error("master key must be 32 bytes");
  }

  /** Create the first data key of a new workspace (inside the transaction that creates it). */
  async createWorkspaceKey(tx: TTx, workspaceId: string): Promise<void> {
    const key = newDataKey();
    const wrapped = sealBytes(this.masterKey, key, `wk:${workspaceId}:1`);
    await tx.execute(
      sql`insert into workspace_keys (workspace_id, version, wrapped_key) values (${workspaceId}, 1, ${wrapped})`,
    );
    this.cache.set(workspaceId, this.expand(key, 1));
  }

  async forWorkspace(db: TDb, workspaceId: string): Promise<TWorkspaceKeys> {
    const cached = this.cache.get(workspaceId);
    if (cached) return cached;
    const found = await withSystemTx(db, (tx) =>
      rows<{ version: number; wrapped_key: string }>(
        tx,
        sql`select version, wrapped_key from workspace_keys where workspace_id = ${workspaceId}
            order by version desc limit 1`,
      ),
    );
    const row = found[0];
    if (!row) throw new Error(`no data key for workspace ${workspaceId}`);
    const keys = this.expand(
      openBytes(this.masterKey, row.wrapped_key, `wk:${workspaceId}:${row.version}`),
      row.version,
    );
    this.cache.set(workspaceId, keys);
    return keys;
  }

  /** A named platform key (e.g. cross-workspace identity hashing), created on first use. */
  async platformKey(db: TDb, name: string): Promise<Buffer> {
    const cached = this.platform.get(name);
    if (cached) return cached;
    const key = await withSystemTx(db, async (tx) => {
      const fresh = sealBytes(this.masterKey, newDataKey(), `pk:${name}`);
      await tx.execute(
        sql`insert into platform_keys (name, wrapped_key) values (${name}, ${fresh}) on conflict do nothing`,
      );
      const r = await rows<{ wrapped_key: string }>(
        tx,
        sql`select wrapped_key from platform_keys where name = ${name}`,
      );
      const wrapped = r[0]?.wrapped_key;
      if (!wrapped) throw new Error("platform key missing");
      return openBytes(this.masterKey, wrapped, `pk:${name}`);
    });
    this.platform.set(name, key);
    return key;
  }

  /** Re-wrap every workspace and platform key under a new master key, in one transaction. */
  async rotateMaster(db: TDb, newMaster: Buffer): Promise<{ workspaceKeys: number; platformKeys: number }> {
    if (newMaster.length !== 32) throw new Error("new master key must be 32 bytes");
    const counts = await withSystemTx(db, async (tx) => {
      const wk = await rows<{ workspace_id: string; version: number; wrapped_key: string }>(
        tx,
        sql`select workspace_id, version, wrapped_key from workspace_keys for update`,
      );
      for (const r of wk) {
        const aad = `wk:${r.workspace_id}:${r.version}`;
        const rewrapped = sealBytes(newMaster, openBytes(this.masterKey, r.wrapped_key, aad), aad);
        await tx.execute(sql`update workspace_keys set wrapped_key = ${rewrapped}
          where workspace_id = ${r.workspace_id} and version = ${r.version}`);
      }
      const pk = await rows<{ name: string; wrapped_key: string }>(
        tx,
        sql`select name, wrapped_key from platform_keys for update`,
      );
      for (const r of pk) {
        const rewrapped = sealBytes(
          newMaster,
          openBytes(this.masterKey, r.wrapped_key, `pk:${r.name}`),
          `pk:${r.name}`,
        );
        await tx.execute(sql`update platform_keys set wrapped_key = ${rewrapped} where name = ${r.name}`);
      }
      return { workspaceKeys: wk.length, platformKeys: pk.length };
    });
    this.masterKey = newMaster;
    return counts;
  }

  private expand(dataKey: Buffer, version: number): TWorkspaceKeys {
    return {
      version,
      encryption: deriveKey(dataKey, "assent/field-encryption"),
      index: deriveKey(dataKey, "assent/blind-index"),
    };
  }
}

/** Seal a personal-data field for storage. */
export function encryptField(keys: TWorkspaceKeys, workspaceId: string, value: string): string {
  return `v${keys.version}.${sealBytes(keys.encryption, Buffer.from(value, "utf8"), workspaceId)}`;
}

export function decryptField(keys: TWorkspaceKeys, workspaceId: string, sealed: string): string {
  const dot = sealed.indexOf(".");
  if (dot < 0) throw new Error("not a sealed field");
  return openBytes(keys.encryption, sealed.slice(dot + 1), workspaceId).toString("utf8");
}

/** Keyed blind index of a normalised value, namespaced by kind (`phone`, `email`, `telegram`, …). */
export function blindIndex(keys: TWorkspaceKeys, kind: string, normalised: string): string {
  return hmacHex(keys.index, `${kind}:${normalised}`);
}
