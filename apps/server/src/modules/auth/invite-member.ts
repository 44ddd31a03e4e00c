import { and, eq, isNull } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import type { TAppContext } from "../../core/context.js";
import { randomToken } from "../../core/crypto.js";
import { sqlState, withWorkspaceTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { invitations, memberships, users } from "./auth.tables.js";
import { hashToken } from "./hash-token.js";
import type { TRole } from "./permissions.js";
import { userEmailKeys } from "./user-email.js";

/** How long an invitation token works. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface TCreatedInvitation {
  id: string;
  role: TRole;
  /** The one-time token (`asi_…`), shown once; only its SHA-256 is stored. */
  token: string;
  expiresAt: Date;
  createdAt: Date;
}

/**
 * Invite an email address into the workspace with a role. A newer invitation for the same address
 * replaces the pending one. 409 `email` when that person is already a member; only an owner may invite
 * an owner (403 `role`).
 */
export async function inviteMember(
  ctx: Pick<TAppContext, "db" | "keys" | "clock">,
  options: {
    workspaceId: string;
    email: string;
    role: TRole;
    actor: TActor;
    actorRole: TRole | null;
    requestId?: string | undefined;
  },
): Promise<TCreatedInvitation> {
  if (options.role === "owner" && options.actorRole !== "owner") {
    throw new AppError("forbidden", { message: "only an owner can invite an owner", field: "role" });
  }
  const emails = await userEmailKeys(ctx.db, ctx.keys);
  const emailIndex = emails.index(options.email);
  const now = ctx.clock();
  const created: TCreatedInvitation = {
    id: newId("inv"),
    role: options.role,
    token: `asi_${randomToken(32)}`,
    expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
    createdAt: now,
  };
  try {
    await withWorkspaceTx(ctx.db, options.workspaceId, async (tx) => {
      const member = await tx
        .select({ id: memberships.id })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(eq(memberships.workspaceId, options.workspaceId), eq(users.emailIndex, emailIndex)));
      if (member.length > 0)
        throw new AppError("conflict", { message: "this person is already a member", field: "email" });
      await tx
        .delete(invitations)
        .where(
          and(
            eq(invitations.workspaceId, options.workspaceId),
            eq(invitations.emailIndex, emailIndex),
            isNull(invitations.acceptedAt),
          ),
        );
      await tx.insert(invitations).values({
        id: created.id,
        workspaceId: options.workspaceId,
        emailIndex,
        emailSealed: emails.seal(options.email),
        role: options.role,
        tokenHash: hashToken(created.token),
        invitedBy: options.actor.id,
        expiresAt: created.expiresAt,
        createdAt: now,
      });
      await recordAudit(tx, {
        workspaceId: options.workspaceId,
        actor: options.actor,
        action: "member.invited",
        targetType: "invitation",
        targetId: created.id,
        requestId: options.requestId,
        details: { role: options.role },
      });
    });
  } catch (error) {
    if (sqlState(error) === "23505") {
      throw new AppError("conflict", {
        message: "an invitation for this address is being created",
        field: "email",
      });
    }
    throw error;
  }
  return created;
}
