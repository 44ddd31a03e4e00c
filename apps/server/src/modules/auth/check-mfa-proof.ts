import type { users } from "./auth.tables.js";
import { matchRecoveryCode } from "./recovery-codes.js";
import { totpCounterOf } from "./totp.js";

export type TMfaProof = { code: string } | { recoveryCode: string };

/**
 * Check a TOTP code (its time step must be later than the last accepted one: replay protection) or a
 * recovery code (spent on use). Returns the user's MFA state after acceptance, or null when refused.
 */
export function checkMfaProof(
  user: Pick<typeof users.$inferSelect, "totpLastCounter" | "recoveryCodes">,
  secret: string,
  proof: TMfaProof,
  now: Date,
): { totpLastCounter: number | null; recoveryCodes: string[] } | null {
  if ("code" in proof) {
    const counter = totpCounterOf(secret, proof.code, now);
    if (counter === null || (user.totpLastCounter !== null && counter <= user.totpLastCounter)) return null;
    return { totpLastCounter: counter, recoveryCodes: user.recoveryCodes };
  }
  const i = matchRecoveryCode(user.recoveryCodes, proof.recoveryCode);
  if (i < 0) return null;
  return {
    totpLastCounter: user.totpLastCounter,
    recoveryCodes: user.recoveryCodes.filter((_, j) => j !== i),
  };
}
