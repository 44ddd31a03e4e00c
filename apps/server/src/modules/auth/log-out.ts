import { and, eq, isNull } from "drizzle-orm";
import { recordAudit } from "../../core/audit.js";
import type { TAppContext } from "../../core/context.js";
import { withSystemTx } from "../../core/db/tx.js";
import { sessions } from "./auth.tables.js";
import type { TUserPrincipal } from "./load-session.js";

/** End this session (the cookie is cleared by the route). */
export async function logOut(
  ctx: Pick<TAppContext, "db" | "clock">,
  options: { principal: TUserPrincipal; requestId?: string | undefined },
): Promise<void> {
  const p = options.principal;
  await withSystemTx(ctx.db, async (tx) => {
    await tx
      .update(sessions)
      .set({ revokedAt: ctx.clock() })
      .where(and(eq(sessions.id, p.sessionId), isNull(sessions.revokedAt)));
    if (p.workspaceId) {
      await recordAudit(tx, {
        workspaceId: p.workspaceId,
        actor: { type: "user", id: p.userId },
        action: "auth.logged_out",
        targetType: "session",
        targetId: p.sessionId,
        requestId: options.requestId,
      });
    }
  });
}
