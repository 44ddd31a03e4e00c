import { createHmac, timingSafeEqual } from "node:crypto";

/** Signatures older or newer than this are refused (replay protection). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Verify an `Assent-Signature` header as a receiver should: parse `t` and every `v1`, recompute
 * HMAC-SHA256(secret, "<t>.<raw body>") over the exact bytes received, compare in constant time, and refuse
 * a timestamp more than `toleranceSeconds` away from `now`. Reference implementation for customers and tests.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined | null,
  rawBody: string | Buffer,
  now: Date = new Date(),
  toleranceSeconds: number = SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  if (typeof header !== "string" || header.length === 0 || header.length > 4096) return false;
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === undefined || candidates.length === 0) return false;
  if (Math.abs(Math.floor(now.getTime() / 1000) - timestamp) > toleranceSeconds) return false;
  const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest();
  return candidates.some((c) => timingSafeEqual(Buffer.from(c, "hex"), expected));
}
