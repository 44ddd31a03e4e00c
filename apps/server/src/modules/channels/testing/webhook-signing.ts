import { createHmac } from "node:crypto";
import { computeTwilioSignature, type TTwilioParams } from "../twilio/twilio.signature.js";

export { signSandboxWebhook } from "../sandbox/sandbox.signature.js";

/** `X-Hub-Signature-256` value for a Meta (WhatsApp, Instagram) webhook body: sign the exact bytes sent. */
export function signMetaWebhook(appSecret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}

/** `X-Twilio-Signature` value for a form webhook to `url` with these params. */
export function signTwilioWebhook(authToken: string, url: string, params: TTwilioParams): string {
  return computeTwilioSignature(authToken, url, params);
}

/** Form-encodes params the way Twilio posts them (a repeated key for arrays). */
export function twilioFormBody(params: TTwilioParams): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(key, item);
  }
  return form.toString();
}
