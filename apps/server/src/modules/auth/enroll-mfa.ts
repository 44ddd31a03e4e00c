import { eq } from "drizzle-orm";
import type { TAppContext } from "../../core/context.js";
import { withSystemTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { users } from "./auth.tables.js";
import type { TUserPrincipal } from "./load-session.js";
import { mfaSecretBox } from "./mfa-secret-box.js";
import { recordUserAudit } from "./record-user-audit.js";
import { newTotpSecret } from "./totp.js";
import { userEmailKeys } from "./user-email.js";

/**
 * Start TOTP enrolment: a new secret (stored sealed, not yet active) and its otpauth URI. Enrolling again
 * before activation replaces the pending secret; with MFA already active it is a 409 (disable it first,
 * which takes a code, so a stolen password alone cannot replace the second factor).
 */
export async function enrollMfa(
  ctx: Pick<TAppContext, "db" | "keys">,
  options: { principal: TUserPrincipal; requestId?: string | undefined },
): Promise<{ secret: string; otpauthUri: string }> {
  const userId = options.principal.userId;
  const box = await mfaSecretBox(ctx.db, ctx.keys);
  const emails = await userEmailKeys(ctx.db, ctx.keys);
  return withSystemTx(ctx.db, async (tx) => {
    const user = (
      await tx
        .select({ emailSealed: users.emailSealed, totpEnabled: users.totpEnabled })
        .from(users)
        .where(eq(users.id, userId))
        .for("update")
    )[0];
    if (!user) throw new AppError("unauthenticated", { message: "session expired", field: "Cookie" });
    if (user.totpEnabled)
      throw new AppError("conflict", { message: "MFA is already active; disable it first" });
    const { secret, uri } = newTotpSecret(emails.open(user.emailSealed));
    await tx
      .update(users)
      .set({ totpSecretSealed: box.seal(userId, secret) })
      .where(eq(users.id, userId));
    await recordUserAudit(tx, { userId, action: "mfa.enrollment_started", requestId: options.requestId });
    return { secret, otpauthUri: uri };
  });
}
