import { and, eq, isNull } from "drizzle-orm";
import type { TAppContext } from "../../core/context.js";
import { withSystemTx } from "../../core/db/tx.js";
import { sessions, users } from "./auth.tables.js";
import type { TUserPrincipal } from "./load-session.js";
import { recordUserAudit } from "./record-user-audit.js";

/**
 * Revoke every session of the user, this one included. `sessions_valid_after` also refuses any session
 * created before now that a concurrent sign-in is still committing.
 */
export async function logOutEverywhere(
  ctx: Pick<TAppContext, "db" | "clock">,
  options: { principal: TUserPrincipal; requestId?: string | undefined },
): Promise<{ revoked: number }> {
  const now = ctx.clock();
  const userId = options.principal.userId;
  return withSystemTx(ctx.db, async (tx) => {
    await tx.update(users).set({ sessionsValidAfter: now }).where(eq(users.id, userId));
    const revoked = await tx
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    await recordUserAudit(tx, {
      userId,
      action: "auth.logged_out_everywhere",
      requestId: options.requestId,
      details: { sessions: revoked.length },
    });
    return { revoked: revoked.length };
  });
}
