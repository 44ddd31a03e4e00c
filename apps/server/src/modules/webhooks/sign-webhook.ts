import { createHmac } from "node:crypto";

/** `<hex HMAC-SHA256(secret, "<t>.<raw body>")>` — the v1 scheme of Assent-Signature. */
export function webhookSignatureV1(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest("hex");
}

/**
 * The Assent-Signature header: `t=<unix seconds>,v1=<hex>` — one v1 per active secret (during a rotation
 * grace period the previous secret signs too, so receivers can switch at their own pace).
 */
export function signWebhook(secrets: readonly string[], timestamp: number, rawBody: string | Buffer): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${webhookSignatureV1(s, timestamp, rawBody)}`)].join(
    ",",
  );
}
