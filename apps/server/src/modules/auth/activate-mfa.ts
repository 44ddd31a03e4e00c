import { eq } from "drizzle-orm";
import type { TAppContext } from "../../core/context.js";
import { withSystemTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { sessions, users } from "./auth.tables.js";
import type { TUserPrincipal } from "./load-session.js";
import { mfaSecretBox } from "./mfa-secret-box.js";
import { recordUserAudit } from "./record-user-audit.js";
import { newRecoveryCodes } from "./recovery-codes.js";
import { totpCounterOf } from "./totp.js";

/**
 * Activate the pending TOTP secret with a first code from the app. Returns ten recovery codes, shown
 * once (stored hashed). This session counts as having passed MFA; the user's other sessions must
 * verify a code before they can act again.
 */
export async function activateMfa(
  ctx: Pick<TAppContext, "db" | "keys" | "clock">,
  options: { principal: TUserPrincipal; code: string; requestId?: string | undefined },
): Promise<{ recoveryCodes: string[] }> {
  const { userId, sessionId } = options.principal;
  const box = await mfaSecretBox(ctx.db, ctx.keys);
  return withSystemTx(ctx.db, async (tx) => {
    const user = (
      await tx
        .select({ secret: users.totpSecretSealed, totpEnabled: users.totpEnabled })
        .from(users)
        .where(eq(users.id, userId))
        .for("update")
    )[0];
    if (!user) throw new AppError("unauthenticated", { message: "session expired", field: "Cookie" });
    if (user.totpEnabled) throw new AppError("conflict", { message: "MFA is already active" });
    if (!user.secret) throw new AppError("unprocessable", { message: "start with POST /v1/auth/mfa/enroll" });
    const counter = totpCounterOf(box.open(userId, user.secret), options.code, ctx.clock());
    if (counter === null)
      throw new AppError("validation_failed", { message: "the code does not match", field: "code" });
    const { codes, hashes } = newRecoveryCodes();
    await tx
      .update(users)
      .set({
        totpEnabled: true,
        recoveryCodes: hashes,
        totpLastCounter: counter,
        failedLogins: 0,
        lockedUntil: null,
      })
      .where(eq(users.id, userId));
    await tx.update(sessions).set({ mfaPassed: true }).where(eq(sessions.id, sessionId));
    await recordUserAudit(tx, { userId, action: "mfa.enabled", requestId: options.requestId });
    return { recoveryCodes: codes };
  });
}
