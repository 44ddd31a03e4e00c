import { hash } from "node:crypto";

/**
 * SHA-256 of a high-entropy secret (session token, invitation token, recovery code). These are random,
 * so a fast hash is enough; passwords use argon2id instead.
 */
export function hashToken(token: string): string {
  return hash("sha256", token, "hex");
}
