import { deriveKey, hmacHex } from "../../core/crypto.js";

const brandKeys = new WeakMap<Buffer, Buffer>();

/**
 * The keyed hashes of the cross-brand signal. `identity`: HMAC-SHA256(platform key "identity", E.164), the
 * same for one number in every workspace. `brand`: an opaque per-brand value under a key derived from the
 * identity key, so the table can count distinct brands without holding any brand's id.
 */
export const signalHashes = {
  identity(identityKey: Buffer, e164: string): string {
    return hmacHex(identityKey, e164);
  },
  brand(identityKey: Buffer, workspaceId: string, brandId: string): string {
    let key = brandKeys.get(identityKey);
    if (!key) {
      key = deriveKey(identityKey, "assent/consent-signal/brand");
      brandKeys.set(identityKey, key);
    }
    return hmacHex(key, `${workspaceId}:${brandId}`);
  },
};
