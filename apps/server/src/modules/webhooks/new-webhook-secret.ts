import { randomToken } from "../../core/crypto.js";

/** A signing secret: `whsec_` + 32 random bytes (base64url). Customers use the whole string as the HMAC key. */
export function newWebhookSecret(): string {
  return `whsec_${randomToken(32)}`;
}
