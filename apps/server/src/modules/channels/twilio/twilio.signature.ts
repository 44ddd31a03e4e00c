import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { TVerifyWebhookInput } from "../channel-adapter.js";
import { getHeader } from "../internal/signatures.js";

export type TTwilioParams = Record<string, string | string[]>;

/** Form body → params; a repeated key becomes an array, as Twilio's own validator expects. */
export function parseTwilioForm(rawBody: Buffer): TTwilioParams {
  const params: TTwilioParams = {};
  for (const [key, value] of new URLSearchParams(rawBody.toString("utf8"))) {
    const existing = params[key];
    if (existing === undefined) params[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else params[key] = [existing, value];
  }
  return params;
}

/**
 * `X-Twilio-Signature` = base64(HMAC-SHA1(authToken, url + key1 + value1 + key2 + value2 …)), keys
 * sorted; an array value is de-duplicated, sorted and appended as key+value for each element.
 */
export function computeTwilioSignature(authToken: string, url: string, params: TTwilioParams): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (value === undefined) continue;
    const values = Array.isArray(value) ? Array.from(new Set(value)).sort() : [value];
    for (const item of values) data += key + item;
  }
  return createHmac("sha1", authToken).update(Buffer.from(data, "utf8")).digest("base64");
}

const authorityPattern = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i;

/** URL variants Twilio may have signed: as configured, without the port, with the default port. */
export function twilioUrlCandidates(url: string): string[] {
  const candidates = new Set<string>([url]);
  const match = authorityPattern.exec(url);
  if (match !== null) {
    const [prefix, scheme = "", authority = ""] = match;
    const rest = url.slice(prefix.length);
    const userEnd = authority.lastIndexOf("@");
    const userInfo = authority.slice(0, userEnd + 1);
    const hostPort = authority.slice(userEnd + 1);
    const portStart = hostPort.indexOf(":", hostPort.lastIndexOf("]") + 1);
    const host = portStart === -1 ? hostPort : hostPort.slice(0, portStart);
    const defaultPort = scheme.toLowerCase() === "https://" ? ":443" : ":80";
    candidates.add(scheme + userInfo + host + rest);
    if (portStart === -1) candidates.add(scheme + userInfo + host + defaultPort + rest);
  }
  return [...candidates];
}

function safeEqualString(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  // The expected length is fixed by the algorithm and not secret, so the early exit leaks nothing.
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Verifies a Twilio webhook. Form bodies: the params are part of the signature. JSON bodies: the URL
 * carries `bodySHA256` (hex SHA-256 of the raw body), the params are empty, and the hash must match.
 */
export function verifyTwilioSignature(authToken: string, input: TVerifyWebhookInput): boolean {
  try {
    const signature = getHeader(input.headers, "x-twilio-signature");
    if (signature === undefined || signature === "") return false;
    const bodyHash = new URL(input.url).searchParams.get("bodySHA256");
    if (bodyHash !== null) {
      const actual = createHash("sha256").update(input.rawBody).digest("hex");
      if (!safeEqualString(bodyHash.toLowerCase(), actual)) return false;
      return twilioUrlCandidates(input.url).some((url) =>
        safeEqualString(signature, computeTwilioSignature(authToken, url, {})),
      );
    }
    const params = parseTwilioForm(input.rawBody);
    return twilioUrlCandidates(input.url).some((url) =>
      safeEqualString(signature, computeTwilioSignature(authToken, url, params)),
    );
  } catch {
    return false;
  }
}
