import { and, eq, isNull } from "drizzle-orm";
import type { TDb } from "../../core/db/client.js";
import { withSystemTx } from "../../core/db/tx.js";
import { apiKeys } from "./auth.tables.js";
import { hashApiKeySecret } from "./create-api-key.js";
import type { TPermission, TPrincipal } from "./permissions.js";

interface TCachedKey {
  principal: Extract<TPrincipal, { kind: "api_key" }>;
  expiresAt: Date | null;
  cachedAt: number;
}

/** Verified keys are cached for a few seconds per process (the send path cannot afford a lookup per call). */
const CACHE_MS = 5_000;
const LAST_USED_EVERY_MS = 60_000;
const cache = new Map<string, TCachedKey>();
/**
 * The same entries by the token as presented, so a cached key costs no SHA-256 per call. Only tokens that
 * matched a live key are ever added (a wrong token always goes through the hash and the database), and an
 * entry lives as long as its hashed twin.
 */
const byToken = new Map<string, TCachedKey>();
/** Counts revocations in this process: a read that began before one is answered but not cached. */
let forgotten = 0;
const lastUsedWrites = new Map<string, number>();

/** Forget a key at once in this process (revocation); other processes see it within CACHE_MS. */
export function forgetApiKey(keyId: string): void {
  forgotten += 1;
  inflight.clear();
  for (const [hash, entry] of cache) if (entry.principal.keyId === keyId) cache.delete(hash);
  for (const [token, entry] of byToken) if (entry.principal.keyId === keyId) byToken.delete(token);
}

/**
 * Resolve a bearer token to its workspace and scopes, or null when unknown, revoked or expired. Answers
 * without a promise when the key is cached (the hot path of every API call).
 */
export function authenticateApiKey(
  db: TDb,
  token: string,
  now: Date,
): TPrincipal | null | Promise<TPrincipal | null> {
  const known = byToken.get(token);
  if (known && now.getTime() - known.cachedAt <= CACHE_MS) {
    // Past half its life, the entry is read again in the background (once), so the keys in use never
    // expire under load and their callers never all miss together.
    if (now.getTime() - known.cachedAt > CACHE_MS / 2)
      void lookUpOnce(db, token, hashApiKeySecret(token), now).catch(() => undefined);
    return principalOf(db, known, now);
  }
  if (!token.startsWith("ask_") || token.length > 100) return null;
  const hash = hashApiKeySecret(token);
  const entry = cache.get(hash);
  if (!entry || now.getTime() - entry.cachedAt > CACHE_MS) return lookUpOnce(db, token, hash, now);
  return principalOf(db, entry, now);
}

/** Lookups under way, by hash: concurrent callers with the same key share one read. */
const inflight = new Map<string, Promise<TPrincipal | null>>();

function lookUpOnce(db: TDb, token: string, hash: string, now: Date): Promise<TPrincipal | null> {
  const running = inflight.get(hash);
  if (running) return running;
  const read = lookUp(db, token, hash, now).finally(() => inflight.delete(hash));
  inflight.set(hash, read);
  return read;
}

async function lookUp(db: TDb, token: string, hash: string, now: Date): Promise<TPrincipal | null> {
  const generation = forgotten;
  const found = await withSystemTx(db, (tx) =>
    tx
      .select({
        id: apiKeys.id,
        workspaceId: apiKeys.workspaceId,
        scopes: apiKeys.scopes,
        expiresAt: apiKeys.expiresAt,
      })
      .from(apiKeys)
      .where(and(eq(apiKeys.secretHash, hash), isNull(apiKeys.revokedAt))),
  );
  const row = found[0];
  if (!row) {
    cache.delete(hash);
    byToken.delete(token);
    return null;
  }
  const entry: TCachedKey = {
    principal: {
      kind: "api_key",
      workspaceId: row.workspaceId,
      keyId: row.id,
      scopes: row.scopes as TPermission[],
    },
    expiresAt: row.expiresAt,
    cachedAt: now.getTime(),
  };
  if (generation === forgotten) {
    cache.set(hash, entry);
    byToken.set(token, entry);
  }
  return principalOf(db, entry, now);
}

function principalOf(db: TDb, entry: TCachedKey, now: Date): TPrincipal | null {
  if (entry.expiresAt && entry.expiresAt.getTime() <= now.getTime()) return null;
  const keyId = entry.principal.keyId;
  if (now.getTime() - (lastUsedWrites.get(keyId) ?? 0) > LAST_USED_EVERY_MS) {
    lastUsedWrites.set(keyId, now.getTime());
    void withSystemTx(db, (tx) =>
      tx.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, keyId)),
    ).catch(() => undefined);
  }
  return entry.principal;
}
