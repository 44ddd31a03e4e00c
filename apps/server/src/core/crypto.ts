import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  randomFillSync,
  timingSafeEqual,
} from "node:crypto";

/**
 * IVs are cut from a pool of CSPRNG bytes refilled 1,024 IVs at a time: one `randomBytes(12)` per seal
 * costs about as much as the encryption itself. Each slice is used once, so IVs stay random and unique.
 */
const IV_POOL = Buffer.allocUnsafe(12 * 1024);
let ivOffset = IV_POOL.length;

function takeIv(into: Buffer): void {
  if (ivOffset + 12 > IV_POOL.length) {
    randomFillSync(IV_POOL);
    ivOffset = 0;
  }
  IV_POOL.copy(into, 0, ivOffset, ivOffset + 12);
  ivOffset += 12;
}

/** AES-256-GCM with a random 96-bit IV. Output: base64url(iv ‖ tag ‖ ciphertext). */
export function sealBytes(key: Buffer, plaintext: Buffer, aad?: string): string {
  // GCM is a stream mode: the ciphertext is as long as the plaintext, so one buffer holds it all.
  const out = Buffer.allocUnsafe(28 + plaintext.length);
  const iv = out.subarray(0, 12);
  takeIv(iv);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, "utf8"));
  const ct = cipher.update(plaintext);
  const tail = cipher.final();
  if (ct.length + tail.length !== plaintext.length) throw new Error("unexpected ciphertext length");
  ct.copy(out, 28);
  tail.copy(out, 28 + ct.length);
  cipher.getAuthTag().copy(out, 12);
  return out.toString("base64url");
}

export function openBytes(key: Buffer, sealed: string, aad?: string): Buffer {
  const raw = Buffer.from(sealed, "base64url");
  if (raw.length < 28) throw new Error("sealed value too short");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(raw.subarray(12, 28));
  const pt = decipher.update(raw.subarray(28));
  const tail = decipher.final();
  return tail.length === 0 ? pt : Buffer.concat([pt, tail]);
}

/** HKDF-SHA256 sub-key derivation (one data key → separate encryption and blind-index keys). */
export function deriveKey(key: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), info, 32));
}

export function hmacHex(key: Buffer, value: string): string {
  return createHmac("sha256", key).update(value, "utf8").digest("hex");
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, "utf8");
  const bb = Buffer.from(b, "utf8");
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function newDataKey(): Buffer {
  return randomBytes(32);
}
