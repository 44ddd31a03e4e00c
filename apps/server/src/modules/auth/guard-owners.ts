import { and, count, eq } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { workspaces } from "../workspaces/index.js";
import { memberships } from "./auth.tables.js";
import type { TRole } from "./permissions.js";

/**
 * The two rules of the owner role, checked before a member's role changes (`toRole`) or the member is
 * removed (`toRole: null`): only an owner grants or takes away the owner role (403), and a workspace
 * always keeps one owner (422). The workspace row is locked first, so two owners demoting each other
 * at the same moment cannot both succeed.
 */
export async function guardOwners(
  tx: TTx,
  options: {
    workspaceId: string;
    actorRole: TRole | null;
    fromRole: TRole;
    toRole: TRole | null;
    field: string;
  },
): Promise<void> {
  const touchesOwner = options.fromRole === "owner" || options.toRole === "owner";
  if (!touchesOwner) return;
  if (options.actorRole !== "owner") {
    throw new AppError("forbidden", {
      message: "only an owner can grant or remove the owner role",
      field: options.field,
    });
  }
  if (options.fromRole !== "owner" || options.toRole === "owner") return;
  await tx
    .select({ id: workspaces.id })
    .from(workspaces)
    .where(eq(workspaces.id, options.workspaceId))
    .for("update");
  const owners = await tx
    .select({ n: count() })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, options.workspaceId), eq(memberships.role, "owner")));
  if ((owners[0]?.n ?? 0) <= 1) {
    throw new AppError("unprocessable", {
      message: "a workspace keeps at least one owner",
      field: options.field,
    });
  }
}
