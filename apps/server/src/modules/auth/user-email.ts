import { deriveKey, hmacHex, openBytes, sealBytes } from "../../core/crypto.js";
import type { TDb } from "../../core/db/client.js";
import type { KeyRing } from "../../core/keyring.js";

/** Users are global (one login, many workspaces): their email is sealed under a platform key. */
export async function userEmailKeys(
  db: TDb,
  keys: KeyRing,
): Promise<{ seal(email: string): string; open(sealed: string): string; index(email: string): string }> {
  const base = await keys.platformKey(db, "user-email");
  const enc = deriveKey(base, "assent/user-email/enc");
  const idx = deriveKey(base, "assent/user-email/index");
  return {
    seal: (email) => sealBytes(enc, Buffer.from(normaliseEmail(email), "utf8"), "user-email"),
    open: (sealed) => openBytes(enc, sealed, "user-email").toString("utf8"),
    index: (email) => hmacHex(idx, normaliseEmail(email)),
  };
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
