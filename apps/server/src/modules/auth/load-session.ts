import { and, eq, isNull } from "drizzle-orm";
import type { TAppContext } from "../../core/context.js";
import { withSystemTx } from "../../core/db/tx.js";
import { workspaces } from "../workspaces/index.js";
import { memberships, sessions, users } from "./auth.tables.js";
import { hashToken } from "./hash-token.js";
import type { TPrincipal, TRole } from "./permissions.js";
import { SESSION_IDLE_MS, SESSION_TOUCH_MS } from "./session-policy.js";

export type TUserPrincipal = Extract<TPrincipal, { kind: "user" }>;

export interface TLoadedSession {
  principal: TUserPrincipal;
  totpEnabled: boolean;
  /** The current workspace requires MFA (false without a workspace). */
  requireMfa: boolean;
  expiresAt: Date;
}

/**
 * The live session behind a cookie value, or null when unknown, revoked, expired (absolute or idle),
 * or older than the user's last "log out everywhere". The role is read from the membership on every
 * call, so a removed member loses the workspace at once. MFA counts as passed when the user has TOTP
 * and verified it in this session, or has none and the workspace does not require it.
 */
export async function loadSession(
  ctx: Pick<TAppContext, "db" | "clock">,
  token: string,
): Promise<TLoadedSession | null> {
  if (token.length < 20 || token.length > 100) return null;
  const now = ctx.clock();
  return withSystemTx(ctx.db, async (tx) => {
    const found = await tx
      .select({
        id: sessions.id,
        userId: sessions.userId,
        workspaceId: sessions.workspaceId,
        csrfToken: sessions.csrfToken,
        mfaPassed: sessions.mfaPassed,
        createdAt: sessions.createdAt,
        expiresAt: sessions.expiresAt,
        lastSeenAt: sessions.lastSeenAt,
        totpEnabled: users.totpEnabled,
        validAfter: users.sessionsValidAfter,
        role: memberships.role,
        requireMfa: workspaces.requireMfa,
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .leftJoin(
        memberships,
        and(eq(memberships.workspaceId, sessions.workspaceId), eq(memberships.userId, sessions.userId)),
      )
      .leftJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
      .where(and(eq(sessions.tokenHash, hashToken(token)), isNull(sessions.revokedAt)));
    const s = found[0];
    if (!s) return null;
    const t = now.getTime();
    if (s.expiresAt.getTime() <= t) return null;
    if (s.lastSeenAt.getTime() + SESSION_IDLE_MS <= t) return null;
    if (s.createdAt.getTime() < s.validAfter.getTime()) return null;
    if (t - s.lastSeenAt.getTime() >= SESSION_TOUCH_MS) {
      await tx.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, s.id));
    }
    const member = s.role !== null;
    const requireMfa = member && s.requireMfa === true;
    return {
      principal: {
        kind: "user",
        userId: s.userId,
        sessionId: s.id,
        workspaceId: member ? s.workspaceId : null,
        role: member ? (s.role as TRole) : null,
        mfaPassed: s.totpEnabled ? s.mfaPassed : !requireMfa,
        csrfToken: s.csrfToken,
      },
      totpEnabled: s.totpEnabled,
      requireMfa,
      expiresAt: s.expiresAt,
    };
  });
}
