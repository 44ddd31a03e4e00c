import { randomInt } from "node:crypto";
import { safeEqual } from "../../core/crypto.js";
import { hashToken } from "./hash-token.js";

/** How many recovery codes a user gets when MFA is activated. */
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";

function normalise(code: string): string {
  return code.replace(/[\s-]/g, "").toLowerCase();
}

/** Ten one-time codes (`xxxxx-xxxxx`, about 49 bits each), shown once; only their hashes are stored. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes: string[] = [];
  for (let i = 0; i < RECOVERY_CODE_COUNT; i++) {
    let raw = "";
    for (let j = 0; j < 10; j++) raw += ALPHABET[randomInt(ALPHABET.length)];
    codes.push(`${raw.slice(0, 5)}-${raw.slice(5)}`);
  }
  return { codes, hashes: codes.map((c) => hashToken(normalise(c))) };
}

/** Index of the stored hash a recovery code matches, or -1. */
export function matchRecoveryCode(hashes: readonly string[], code: string): number {
  const h = hashToken(normalise(code));
  let found = -1;
  hashes.forEach((stored, i) => {
    if (safeEqual(stored, h)) found = i;
  });
  return found;
}
