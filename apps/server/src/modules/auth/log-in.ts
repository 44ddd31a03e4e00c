import { asc, eq } from "drizzle-orm";
import { recordAudit } from "../../core/audit.js";
import type { TAppContext } from "../../core/context.js";
import { withSystemTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { isId } from "../../core/ids.js";
import { workspaces } from "../workspaces/index.js";
import { memberships, users } from "./auth.tables.js";
import { createSession, type TNewSession } from "./create-session.js";
import { assertNotLocked } from "./lockout-policy.js";
import { recordAuthFailure } from "./record-auth-failure.js";
import { recordUserAudit } from "./record-user-audit.js";
import { userEmailKeys } from "./user-email.js";
import { verifyPassword } from "./verify-password.js";

const badCredentials = () =>
  new AppError("unauthenticated", { message: "wrong email or password", field: "password" });

/** Audit a failed sign-in for an address with no account, in the workspace it named (if that exists). */
async function auditUnknown(
  ctx: Pick<TAppContext, "db">,
  workspaceId: string | undefined,
  requestId: string | undefined,
) {
  if (!workspaceId || !isId("ws", workspaceId)) return;
  await withSystemTx(ctx.db, async (tx) => {
    const ws = await tx.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.id, workspaceId));
    if (ws.length === 0) return;
    await recordAudit(tx, {
      workspaceId,
      actor: { type: "user", id: null },
      action: "auth.login_failed",
      targetType: "user",
      targetId: "unknown",
      requestId,
      details: { reason: "password" },
    });
  });
}

/**
 * Password sign-in. Unknown addresses cost the same argon2 work as known ones and answer the same 401;
 * a locked account answers 423 with the retry time; each wrong password counts towards the lockout.
 * The session works in `workspaceId` (the user must be a member: 404 otherwise) or the user's first
 * workspace. When the user has TOTP the session starts with MFA pending, and the failure counter is
 * only reset once the code is verified (so the password alone cannot buy fresh guesses at the code).
 */
export async function logIn(
  ctx: Pick<TAppContext, "db" | "keys" | "clock">,
  options: {
    email: string;
    password: string;
    workspaceId?: string | undefined;
    requestId?: string | undefined;
  },
): Promise<{ userId: string; session: TNewSession }> {
  const emails = await userEmailKeys(ctx.db, ctx.keys);
  const now = ctx.clock();
  const user = (
    await withSystemTx(ctx.db, (tx) =>
      tx
        .select({
          id: users.id,
          passwordHash: users.passwordHash,
          lockedUntil: users.lockedUntil,
          totpEnabled: users.totpEnabled,
        })
        .from(users)
        .where(eq(users.emailIndex, emails.index(options.email))),
    )
  )[0];
  if (!user) {
    await verifyPassword(null, options.password);
    await auditUnknown(ctx, options.workspaceId, options.requestId);
    throw badCredentials();
  }
  assertNotLocked(user.lockedUntil, now);
  if (!(await verifyPassword(user.passwordHash, options.password))) {
    await withSystemTx(ctx.db, (tx) =>
      recordAuthFailure(tx, { userId: user.id, now, reason: "password", requestId: options.requestId }),
    );
    throw badCredentials();
  }
  return withSystemTx(ctx.db, async (tx) => {
    const mine = await tx
      .select({ workspaceId: memberships.workspaceId })
      .from(memberships)
      .where(eq(memberships.userId, user.id))
      .orderBy(asc(memberships.id));
    let workspaceId = mine[0]?.workspaceId ?? null;
    if (options.workspaceId !== undefined) {
      if (!mine.some((m) => m.workspaceId === options.workspaceId)) {
        throw new AppError("not_found", { message: "workspace not found", field: "workspaceId" });
      }
      workspaceId = options.workspaceId;
    }
    if (!user.totpEnabled) {
      await tx.update(users).set({ failedLogins: 0, lockedUntil: null }).where(eq(users.id, user.id));
    }
    const session = await createSession(tx, { userId: user.id, workspaceId, mfaPassed: false, now });
    await recordUserAudit(tx, {
      userId: user.id,
      action: "auth.login_succeeded",
      requestId: options.requestId,
      details: { sessionId: session.id, workspaceId, mfaPending: user.totpEnabled },
    });
    return { userId: user.id, session };
  });
}
