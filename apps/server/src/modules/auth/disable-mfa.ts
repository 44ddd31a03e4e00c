import { eq } from "drizzle-orm";
import type { TAppContext } from "../../core/context.js";
import { withSystemTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { users } from "./auth.tables.js";
import { checkMfaProof, type TMfaProof } from "./check-mfa-proof.js";
import type { TUserPrincipal } from "./load-session.js";
import { assertNotLocked } from "./lockout-policy.js";
import { mfaSecretBox } from "./mfa-secret-box.js";
import { recordAuthFailure } from "./record-auth-failure.js";
import { recordUserAudit } from "./record-user-audit.js";
import { wrongProof } from "./verify-mfa.js";

/**
 * Turn TOTP off with a current code (not one already used) or a recovery code — the way back for
 * someone who lost the device: sign in with one recovery code, disable with another, enrol the new
 * device. The secret and the remaining recovery codes are erased. A wrong proof counts towards the
 * lockout, like at sign-in. In a workspace that requires MFA the user must then enrol again.
 */
export async function disableMfa(
  ctx: Pick<TAppContext, "db" | "keys" | "clock">,
  options: { principal: TUserPrincipal; proof: TMfaProof; requestId?: string | undefined },
): Promise<void> {
  const userId = options.principal.userId;
  const box = await mfaSecretBox(ctx.db, ctx.keys);
  const now = ctx.clock();
  const ok = await withSystemTx(ctx.db, async (tx) => {
    const user = (await tx.select().from(users).where(eq(users.id, userId)).for("update"))[0];
    if (!user) throw new AppError("unauthenticated", { message: "session expired", field: "Cookie" });
    if (!user.totpEnabled || !user.totpSecretSealed) {
      throw new AppError("unprocessable", { message: "MFA is not active for this user" });
    }
    assertNotLocked(user.lockedUntil, now);
    if (!checkMfaProof(user, box.open(userId, user.totpSecretSealed), options.proof, now)) {
      const reason = "code" in options.proof ? "mfa_code" : "recovery_code";
      await recordAuthFailure(tx, { userId, now, reason, requestId: options.requestId });
      return false;
    }
    await tx
      .update(users)
      .set({ totpEnabled: false, totpSecretSealed: null, recoveryCodes: [], totpLastCounter: null })
      .where(eq(users.id, userId));
    await recordUserAudit(tx, { userId, action: "mfa.disabled", requestId: options.requestId });
    return true;
  });
  if (!ok) throw wrongProof(options.proof);
}
