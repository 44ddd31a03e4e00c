import { and, eq } from "drizzle-orm";
import { recordAudit } from "../../core/audit.js";
import type { TAppContext } from "../../core/context.js";
import { withSystemTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { memberships, sessions } from "./auth.tables.js";
import type { TUserPrincipal } from "./load-session.js";

/** Point this session at another workspace of the user (404 when they are not a member of it). */
export async function switchWorkspace(
  ctx: Pick<TAppContext, "db">,
  options: { principal: TUserPrincipal; workspaceId: string; requestId?: string | undefined },
): Promise<void> {
  const p = options.principal;
  await withSystemTx(ctx.db, async (tx) => {
    const member = await tx
      .select({ id: memberships.id })
      .from(memberships)
      .where(and(eq(memberships.userId, p.userId), eq(memberships.workspaceId, options.workspaceId)));
    if (member.length === 0)
      throw new AppError("not_found", { message: "workspace not found", field: "workspaceId" });
    await tx.update(sessions).set({ workspaceId: options.workspaceId }).where(eq(sessions.id, p.sessionId));
    await recordAudit(tx, {
      workspaceId: options.workspaceId,
      actor: { type: "user", id: p.userId },
      action: "auth.workspace_switched",
      targetType: "session",
      targetId: p.sessionId,
      requestId: options.requestId,
    });
  });
}
