import { eq } from "drizzle-orm";
import type { TAppContext } from "../../core/context.js";
import { withSystemTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { sessions, users } from "./auth.tables.js";
import { checkMfaProof, type TMfaProof } from "./check-mfa-proof.js";
import type { TUserPrincipal } from "./load-session.js";
import { assertNotLocked } from "./lockout-policy.js";
import { mfaSecretBox } from "./mfa-secret-box.js";
import { recordAuthFailure } from "./record-auth-failure.js";
import { recordUserAudit } from "./record-user-audit.js";

/** 401 naming the field of a refused MFA proof. */
export function wrongProof(proof: TMfaProof): AppError {
  return "code" in proof
    ? new AppError("unauthenticated", { message: "wrong or already used code", field: "code" })
    : new AppError("unauthenticated", {
        message: "wrong or already used recovery code",
        field: "recoveryCode",
      });
}

/**
 * Complete a sign-in that needs MFA with a TOTP code or a recovery code. A code is accepted once (its
 * time step must be later than the last accepted one); a recovery code is spent. Wrong codes count
 * towards the account lockout (423 once locked), so codes cannot be guessed at leisure.
 */
export async function verifyMfa(
  ctx: Pick<TAppContext, "db" | "keys" | "clock">,
  options: { principal: TUserPrincipal; proof: TMfaProof; requestId?: string | undefined },
): Promise<{ method: "totp" | "recovery_code"; recoveryCodesLeft: number }> {
  const { userId, sessionId } = options.principal;
  const box = await mfaSecretBox(ctx.db, ctx.keys);
  const now = ctx.clock();
  const method = "code" in options.proof ? "totp" : "recovery_code";
  const outcome = await withSystemTx(ctx.db, async (tx) => {
    const user = (await tx.select().from(users).where(eq(users.id, userId)).for("update"))[0];
    if (!user) throw new AppError("unauthenticated", { message: "session expired", field: "Cookie" });
    if (!user.totpEnabled || !user.totpSecretSealed) {
      throw new AppError("unprocessable", { message: "MFA is not active for this user" });
    }
    assertNotLocked(user.lockedUntil, now);
    const accepted = checkMfaProof(user, box.open(userId, user.totpSecretSealed), options.proof, now);
    if (!accepted) {
      const reason = method === "totp" ? "mfa_code" : "recovery_code";
      await recordAuthFailure(tx, { userId, now, reason, requestId: options.requestId });
      return null;
    }
    await tx
      .update(users)
      .set({ ...accepted, failedLogins: 0, lockedUntil: null })
      .where(eq(users.id, userId));
    await tx.update(sessions).set({ mfaPassed: true }).where(eq(sessions.id, sessionId));
    await recordUserAudit(tx, {
      userId,
      action: "auth.mfa_verified",
      requestId: options.requestId,
      details: { method, sessionId, recoveryCodesLeft: accepted.recoveryCodes.length },
    });
    return accepted;
  });
  if (!outcome) throw wrongProof(options.proof);
  return { method, recoveryCodesLeft: outcome.recoveryCodes.length };
}
