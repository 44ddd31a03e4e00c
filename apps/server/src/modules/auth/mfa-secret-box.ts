import { deriveKey, openBytes, sealBytes } from "../../core/crypto.js";
import type { TDb } from "../../core/db/client.js";
import type { KeyRing } from "../../core/keyring.js";

/**
 * TOTP secrets are sealed under a platform key (users are global), with the user id as additional
 * data so a secret copied onto another user does not open.
 */
export async function mfaSecretBox(
  db: TDb,
  keys: KeyRing,
): Promise<{ seal(userId: string, base32: string): string; open(userId: string, sealed: string): string }> {
  const enc = deriveKey(await keys.platformKey(db, "user-totp"), "assent/user-totp/enc");
  return {
    seal: (userId, base32) => sealBytes(enc, Buffer.from(base32, "utf8"), `totp:${userId}`),
    open: (userId, sealed) => openBytes(enc, sealed, `totp:${userId}`).toString("utf8"),
  };
}
