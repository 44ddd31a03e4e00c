import { and, asc, eq, gt } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import { memberships, users } from "./auth.tables.js";

/** Members of a workspace in joining order (cursor = membership id), with the sealed email to present. */
export function listMembers(
  tx: TTx,
  options: { workspaceId: string; limit: number; cursor?: string | undefined },
) {
  return tx
    .select({
      id: memberships.id,
      userId: memberships.userId,
      role: memberships.role,
      createdAt: memberships.createdAt,
      emailSealed: users.emailSealed,
      mfaEnabled: users.totpEnabled,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      and(
        eq(memberships.workspaceId, options.workspaceId),
        options.cursor ? gt(memberships.id, options.cursor) : undefined,
      ),
    )
    .orderBy(asc(memberships.id))
    .limit(options.limit + 1);
}
