import { and, eq } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { memberships } from "./auth.tables.js";
import { guardOwners } from "./guard-owners.js";
import type { TRole } from "./permissions.js";

/** Give a member another role (owner rules in `guardOwners`). 404 when the user is not a member here. */
export async function changeMemberRole(
  tx: TTx,
  options: {
    workspaceId: string;
    userId: string;
    role: TRole;
    actor: TActor;
    actorRole: TRole | null;
    requestId?: string | undefined;
  },
): Promise<{ userId: string; role: TRole }> {
  const where = and(eq(memberships.workspaceId, options.workspaceId), eq(memberships.userId, options.userId));
  const current = (
    await tx.select({ role: memberships.role }).from(memberships).where(where).for("update")
  )[0];
  if (!current) throw new AppError("not_found", { message: "member not found", field: "userId" });
  const fromRole = current.role as TRole;
  if (fromRole === options.role) return { userId: options.userId, role: fromRole };
  await guardOwners(tx, {
    workspaceId: options.workspaceId,
    actorRole: options.actorRole,
    fromRole,
    toRole: options.role,
    field: "role",
  });
  await tx.update(memberships).set({ role: options.role }).where(where);
  await recordAudit(tx, {
    workspaceId: options.workspaceId,
    actor: options.actor,
    action: "member.role_changed",
    targetType: "user",
    targetId: options.userId,
    requestId: options.requestId,
    details: { from: fromRole, to: options.role },
  });
  return { userId: options.userId, role: options.role };
}
