import { and, asc, eq, gt, isNull } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import { invitations } from "./auth.tables.js";

/** Pending (not yet accepted) invitations of a workspace, expired ones included so they can be seen and revoked. */
export function listInvitations(
  tx: TTx,
  options: { workspaceId: string; limit: number; cursor?: string | undefined },
) {
  return tx
    .select({
      id: invitations.id,
      role: invitations.role,
      emailSealed: invitations.emailSealed,
      invitedBy: invitations.invitedBy,
      expiresAt: invitations.expiresAt,
      createdAt: invitations.createdAt,
    })
    .from(invitations)
    .where(
      and(
        eq(invitations.workspaceId, options.workspaceId),
        isNull(invitations.acceptedAt),
        options.cursor ? gt(invitations.id, options.cursor) : undefined,
      ),
    )
    .orderBy(asc(invitations.id))
    .limit(options.limit + 1);
}
