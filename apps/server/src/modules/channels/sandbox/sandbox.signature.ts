import type { TVerifyWebhookInput } from "../channel-adapter.js";
import { getHeader, hmacSha256, safeEqualHexDigest } from "../internal/signatures.js";

/** Signed timestamps older or newer than this are refused (replay protection). */
export const sandboxSignatureToleranceMs = 5 * 60 * 1000;

function signedPayload(timestampSeconds: number, rawBody: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${timestampSeconds}.`, "utf8"), rawBody]);
}

/**
 * The `X-Assent-Signature` header for a sandbox (or fake) webhook:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body bytes)>`.
 */
export function signSandboxWebhook(input: { secret: string; rawBody: Buffer; at: Date }): string {
  const timestamp = Math.floor(input.at.getTime() / 1000);
  const digest = hmacSha256(input.secret, signedPayload(timestamp, input.rawBody)).toString("hex");
  return `t=${timestamp},v1=${digest}`;
}

const headerPattern = /^t=(\d{1,12}),v1=([0-9a-fA-F]{64})$/;

/** Checks `X-Assent-Signature` in constant time and refuses timestamps outside ±5 minutes of `now`. */
export function verifySandboxSignature(secret: string, input: TVerifyWebhookInput, now: Date): boolean {
  try {
    const header = getHeader(input.headers, "x-assent-signature");
    const match = header === undefined ? null : headerPattern.exec(header.trim());
    if (match === null) return false;
    const [, timestampText = "", digest = ""] = match;
    const timestamp = Number(timestampText);
    if (Math.abs(now.getTime() - timestamp * 1000) > sandboxSignatureToleranceMs) return false;
    return safeEqualHexDigest(digest, hmacSha256(secret, signedPayload(timestamp, input.rawBody)));
  } catch {
    return false;
  }
}
