import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { newId } from "../../core/ids.js";
import { memberships } from "./auth.tables.js";
import type { TRole } from "./permissions.js";

export async function addMembership(
  tx: TTx,
  options: {
    workspaceId: string;
    userId: string;
    role: TRole;
    actor: TActor;
    requestId?: string | undefined;
  },
): Promise<{ id: string }> {
  const id = newId("mem");
  await tx.insert(memberships).values({
    id,
    workspaceId: options.workspaceId,
    userId: options.userId,
    role: options.role,
    createdAt: new Date(),
  });
  await recordAudit(tx, {
    workspaceId: options.workspaceId,
    actor: options.actor,
    action: "member.added",
    targetType: "user",
    targetId: options.userId,
    requestId: options.requestId,
    details: { role: options.role },
  });
  return { id };
}
