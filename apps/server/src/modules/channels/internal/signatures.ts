import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { THeaders } from "../channel-adapter.js";

/** Case-insensitive header lookup; a header sent more than once counts as missing. */
export function getHeader(headers: THeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    if (typeof value === "string") return value;
    if (Array.isArray(value) && value.length === 1 && typeof value[0] === "string") return value[0];
    return undefined;
  }
  return undefined;
}

/** Constant-time equality of two secrets; hashing first hides their lengths as well. */
export function safeEqualSecret(provided: string, expected: string): boolean {
  const a = createHash("sha256").update(provided, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b) && provided.length === expected.length;
}

export function hmacSha256(secret: string, data: Buffer | string): Buffer {
  return createHmac("sha256", secret).update(data).digest();
}

const hex64 = /^[0-9a-fA-F]{64}$/;

/** Constant-time check of a lowercase/uppercase hex HMAC-SHA256 digest against the expected bytes. */
export function safeEqualHexDigest(providedHex: string, expected: Buffer): boolean {
  if (!hex64.test(providedHex) || expected.length !== 32) return false;
  return timingSafeEqual(Buffer.from(providedHex, "hex"), expected);
}

/** `sha256=<hex>` over the raw bytes (Meta `X-Hub-Signature-256`). */
export function verifySha256Header(input: {
  secret: string;
  rawBody: Buffer;
  header: string | undefined;
}): boolean {
  const { header } = input;
  if (header === undefined || !header.startsWith("sha256=")) return false;
  return safeEqualHexDigest(header.slice("sha256=".length), hmacSha256(input.secret, input.rawBody));
}
