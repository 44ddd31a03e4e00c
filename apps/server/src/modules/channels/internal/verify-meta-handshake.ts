import type { THandshakeResult } from "../channel-adapter.js";
import { safeEqualSecret } from "./signatures.js";

/** Meta's GET subscription check: `hub.mode=subscribe`, our verify token, and a challenge to echo. */
export function verifyMetaHandshake(
  verifyToken: string,
  query: Record<string, string | undefined>,
): THandshakeResult {
  const mode = query["hub.mode"];
  const token = query["hub.verify_token"];
  const challenge = query["hub.challenge"];
  if (mode !== "subscribe" || token === undefined || challenge === undefined || challenge === "") {
    return { ok: false };
  }
  return safeEqualSecret(token, verifyToken) ? { ok: true, challenge } : { ok: false };
}
