import { and, eq } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { memberships } from "./auth.tables.js";
import { guardOwners } from "./guard-owners.js";
import type { TRole } from "./permissions.js";

/**
 * Remove a member from the workspace (the user account stays; their sessions lose this workspace on the
 * next request, since roles are read per request). The last owner cannot be removed (422).
 */
export async function removeMember(
  tx: TTx,
  options: {
    workspaceId: string;
    userId: string;
    actor: TActor;
    actorRole: TRole | null;
    requestId?: string | undefined;
  },
): Promise<void> {
  const where = and(eq(memberships.workspaceId, options.workspaceId), eq(memberships.userId, options.userId));
  const current = (
    await tx.select({ role: memberships.role }).from(memberships).where(where).for("update")
  )[0];
  if (!current) throw new AppError("not_found", { message: "member not found", field: "userId" });
  const fromRole = current.role as TRole;
  await guardOwners(tx, {
    workspaceId: options.workspaceId,
    actorRole: options.actorRole,
    fromRole,
    toRole: null,
    field: "userId",
  });
  await tx.delete(memberships).where(where);
  await recordAudit(tx, {
    workspaceId: options.workspaceId,
    actor: options.actor,
    action: "member.removed",
    targetType: "user",
    targetId: options.userId,
    requestId: options.requestId,
    details: { role: fromRole },
  });
}
