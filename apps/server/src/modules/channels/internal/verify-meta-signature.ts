import type { TVerifyWebhookInput } from "../channel-adapter.js";
import { getHeader, verifySha256Header } from "./signatures.js";

/** Meta (WhatsApp, Instagram): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(appSecret, raw body)>`. */
export function verifyMetaSignature(appSecret: string, input: TVerifyWebhookInput): boolean {
  try {
    return verifySha256Header({
      secret: appSecret,
      rawBody: input.rawBody,
      header: getHeader(input.headers, "x-hub-signature-256"),
    });
  } catch {
    return false;
  }
}
