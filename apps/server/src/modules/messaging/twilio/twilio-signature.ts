import { createHmac } from "node:crypto";

/**
 * X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + every form key and value, keys sorted)),
 * as twilio's own `validateRequest` recomputes it.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac("sha1", authToken).update(Buffer.from(data, "utf8")).digest("base64");
}
