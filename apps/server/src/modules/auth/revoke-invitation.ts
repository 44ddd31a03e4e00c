import { and, eq, isNull } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { invitations } from "./auth.tables.js";

/** Withdraw a pending invitation (its token stops working). 404 when unknown here or already accepted. */
export async function revokeInvitation(
  tx: TTx,
  options: { workspaceId: string; invitationId: string; actor: TActor; requestId?: string | undefined },
): Promise<void> {
  const gone = await tx
    .delete(invitations)
    .where(
      and(
        eq(invitations.id, options.invitationId),
        eq(invitations.workspaceId, options.workspaceId),
        isNull(invitations.acceptedAt),
      ),
    )
    .returning({ id: invitations.id });
  if (gone.length === 0) throw new AppError("not_found", { message: "invitation not found", field: "id" });
  await recordAudit(tx, {
    workspaceId: options.workspaceId,
    actor: options.actor,
    action: "member.invitation_revoked",
    targetType: "invitation",
    targetId: options.invitationId,
    requestId: options.requestId,
  });
}
