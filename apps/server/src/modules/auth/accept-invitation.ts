import { and, eq, isNull } from "drizzle-orm";
import { recordAudit } from "../../core/audit.js";
import type { TAppContext } from "../../core/context.js";
import { sqlState, type TTx, withSystemTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { addMembership } from "./add-membership.js";
import { invitations, sessions, users } from "./auth.tables.js";
import { createSession, type TNewSession } from "./create-session.js";
import { createUser } from "./create-user.js";
import { hashToken } from "./hash-token.js";
import type { TUserPrincipal } from "./load-session.js";
import { assertNotLocked } from "./lockout-policy.js";
import { assertPasswordPolicy } from "./password-policy.js";
import type { TRole } from "./permissions.js";
import { recordAuthFailure } from "./record-auth-failure.js";
import { verifyPassword } from "./verify-password.js";

type TInvitation = typeof invitations.$inferSelect;

const gone = () =>
  new AppError("not_found", { message: "invitation not found, already used or expired", field: "token" });

async function pendingInvitation(tx: TTx, token: string, now: Date, lock: boolean): Promise<TInvitation> {
  const q = tx
    .select()
    .from(invitations)
    .where(and(eq(invitations.tokenHash, hashToken(token)), isNull(invitations.acceptedAt)));
  const found = (lock ? await q.for("update") : await q)[0];
  if (!found || found.expiresAt.getTime() <= now.getTime()) throw gone();
  return found;
}

/**
 * Accept an invitation. A new person sets a password (the account is created with the invited email);
 * someone who already has an account proves it with their password, or is already signed in as that
 * account (`signedIn`, whose session then moves to the new workspace). The token works once.
 * Returns the new session, or null when the existing session was reused.
 */
export async function acceptInvitation(
  ctx: Pick<TAppContext, "db" | "keys" | "clock">,
  options: {
    token: string;
    password?: string | undefined;
    signedIn?: TUserPrincipal | null;
    requestId?: string | undefined;
  },
): Promise<{ userId: string; workspaceId: string; role: TRole; session: TNewSession | null }> {
  const now = ctx.clock();
  const invitation = await withSystemTx(ctx.db, (tx) => pendingInvitation(tx, options.token, now, false));
  const existing = (
    await withSystemTx(ctx.db, (tx) =>
      tx
        .select({
          id: users.id,
          passwordHash: users.passwordHash,
          lockedUntil: users.lockedUntil,
          totpEnabled: users.totpEnabled,
        })
        .from(users)
        .where(eq(users.emailIndex, invitation.emailIndex)),
    )
  )[0];
  const reuse = existing !== undefined && options.signedIn?.userId === existing.id ? options.signedIn : null;
  if (!reuse) {
    if (options.password === undefined) {
      throw new AppError("validation_failed", {
        message: existing
          ? "sign in: the password of your existing account"
          : "choose a password for your new account",
        field: "password",
      });
    }
    if (existing) {
      assertNotLocked(existing.lockedUntil, now);
      if (!(await verifyPassword(existing.passwordHash, options.password))) {
        await withSystemTx(ctx.db, (tx) =>
          recordAuthFailure(tx, {
            userId: existing.id,
            now,
            reason: "password",
            requestId: options.requestId,
          }),
        );
        throw new AppError("unauthenticated", {
          message: "wrong password for the invited account",
          field: "password",
        });
      }
    } else {
      assertPasswordPolicy(options.password);
      if (!invitation.emailSealed)
        throw new AppError("unprocessable", {
          message: "this invitation predates accounts by invitation; ask for a new one",
        });
    }
  }
  const password = options.password ?? "";
  try {
    return await withSystemTx(ctx.db, async (tx) => {
      const inv = await pendingInvitation(tx, options.token, now, true);
      const userId =
        existing?.id ??
        (await createUser(tx, { emailIndex: inv.emailIndex, emailSealed: inv.emailSealed ?? "", password }))
          .id;
      const actor = { type: "user", id: userId } as const;
      const role = inv.role as TRole;
      await addMembership(tx, {
        workspaceId: inv.workspaceId,
        userId,
        role,
        actor,
        requestId: options.requestId,
      });
      await tx.update(invitations).set({ acceptedAt: now }).where(eq(invitations.id, inv.id));
      await recordAudit(tx, {
        workspaceId: inv.workspaceId,
        actor,
        action: "member.invitation_accepted",
        targetType: "invitation",
        targetId: inv.id,
        requestId: options.requestId,
        details: { role, newAccount: existing === undefined },
      });
      if (reuse) {
        await tx
          .update(sessions)
          .set({ workspaceId: inv.workspaceId })
          .where(eq(sessions.id, reuse.sessionId));
        return { userId, workspaceId: inv.workspaceId, role, session: null };
      }
      if (existing && !existing.totpEnabled) {
        await tx.update(users).set({ failedLogins: 0, lockedUntil: null }).where(eq(users.id, userId));
      }
      const session = await createSession(tx, {
        userId,
        workspaceId: inv.workspaceId,
        mfaPassed: false,
        now,
      });
      return { userId, workspaceId: inv.workspaceId, role, session };
    });
  } catch (error) {
    if (sqlState(error) === "23505")
      throw new AppError("conflict", { message: "already a member of this workspace", field: "token" });
    throw error;
  }
}
