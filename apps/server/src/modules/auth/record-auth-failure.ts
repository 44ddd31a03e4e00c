import { eq, sql } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import { users } from "./auth.tables.js";
import { lockDuration } from "./lockout-policy.js";
import { recordUserAudit } from "./record-user-audit.js";

/**
 * Count one failed authentication (password or MFA code) against the account, lock it when the policy
 * says so, and audit it in the user's workspaces. The increment is one statement, so concurrent
 * failures are all counted. Needs a system transaction.
 */
export async function recordAuthFailure(
  tx: TTx,
  options: {
    userId: string;
    now: Date;
    reason: "password" | "mfa_code" | "recovery_code";
    requestId?: string | undefined;
  },
): Promise<{ failures: number; lockedUntil: Date | null }> {
  const updated = await tx
    .update(users)
    .set({ failedLogins: sql`${users.failedLogins} + 1` })
    .where(eq(users.id, options.userId))
    .returning({ failedLogins: users.failedLogins });
  const failures = updated[0]?.failedLogins ?? 0;
  const ms = lockDuration(failures);
  const lockedUntil = ms === null ? null : new Date(options.now.getTime() + ms);
  if (lockedUntil) await tx.update(users).set({ lockedUntil }).where(eq(users.id, options.userId));
  await recordUserAudit(tx, {
    userId: options.userId,
    action: "auth.login_failed",
    requestId: options.requestId,
    details: { reason: options.reason, failures, locked: lockedUntil !== null },
  });
  return { failures, lockedUntil };
}
