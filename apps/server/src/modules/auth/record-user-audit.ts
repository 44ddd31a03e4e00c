import { eq } from "drizzle-orm";
import { recordAudit, type TActor, type TAuditEvent } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { memberships } from "./auth.tables.js";

/**
 * Audit an event about a person rather than a workspace (sign-in, MFA, logout everywhere): it is written
 * to every workspace the user belongs to, so each workspace's log shows what happened to its members.
 * Needs a system transaction (it crosses workspaces). No personal data: ids and reasons only.
 */
export async function recordUserAudit(
  tx: TTx,
  options: {
    userId: string;
    action: string;
    actor?: TActor;
    requestId?: string | undefined;
    details?: TAuditEvent["details"];
  },
): Promise<number> {
  const found = await tx
    .select({ workspaceId: memberships.workspaceId })
    .from(memberships)
    .where(eq(memberships.userId, options.userId));
  if (found.length === 0) return 0;
  await recordAudit(
    tx,
    found.map((m) => ({
      workspaceId: m.workspaceId,
      actor: options.actor ?? { type: "user", id: options.userId },
      action: options.action,
      targetType: "user",
      targetId: options.userId,
      requestId: options.requestId,
      ...(options.details ? { details: options.details } : {}),
    })),
  );
  return found.length;
}
