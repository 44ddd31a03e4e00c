import { asc, eq } from "drizzle-orm";
import type { TAppContext } from "../../core/context.js";
import { withSystemTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { workspaces } from "../workspaces/index.js";
import { memberships, users } from "./auth.tables.js";
import { loadSession } from "./load-session.js";
import type { TRole } from "./permissions.js";
import { userEmailKeys } from "./user-email.js";

export interface TSessionView {
  user: { id: string; email: string; mfaEnabled: boolean; recoveryCodesLeft: number };
  workspaces: { id: string; name: string; role: TRole; requireMfa: boolean }[];
  /** The workspace this session works in (null when the user belongs to none). */
  workspaceId: string | null;
  csrfToken: string;
  /** True until this session has passed MFA: only me, logout and the MFA routes answer until then. */
  mfaRequired: boolean;
  /** The workspace requires MFA and the user has none yet: enrol and activate it first. */
  mfaEnrollmentRequired: boolean;
  expiresAt: string;
}

/** What a client needs after sign-in, and from `GET /v1/auth/me`: the person, their workspaces, the session state. */
export async function describeSession(
  ctx: Pick<TAppContext, "db" | "keys" | "clock">,
  token: string,
): Promise<TSessionView> {
  const session = await loadSession(ctx, token);
  if (!session) throw new AppError("unauthenticated", { message: "session expired", field: "Cookie" });
  const p = session.principal;
  const { user, list } = await withSystemTx(ctx.db, async (tx) => ({
    user: (await tx.select().from(users).where(eq(users.id, p.userId)))[0],
    list: await tx
      .select({
        id: workspaces.id,
        name: workspaces.name,
        role: memberships.role,
        requireMfa: workspaces.requireMfa,
      })
      .from(memberships)
      .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
      .where(eq(memberships.userId, p.userId))
      .orderBy(asc(memberships.id)),
  }));
  if (!user) throw new AppError("unauthenticated", { message: "session expired", field: "Cookie" });
  const emails = await userEmailKeys(ctx.db, ctx.keys);
  return {
    user: {
      id: user.id,
      email: emails.open(user.emailSealed),
      mfaEnabled: user.totpEnabled,
      recoveryCodesLeft: user.recoveryCodes.length,
    },
    workspaces: list.map((w) => ({
      id: w.id,
      name: w.name,
      role: w.role as TRole,
      requireMfa: w.requireMfa,
    })),
    workspaceId: p.workspaceId,
    csrfToken: p.csrfToken,
    mfaRequired: !p.mfaPassed,
    mfaEnrollmentRequired: session.requireMfa && !session.totpEnabled,
    expiresAt: session.expiresAt.toISOString(),
  };
}
