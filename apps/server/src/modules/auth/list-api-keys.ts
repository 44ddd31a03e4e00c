import { and, asc, eq, gt } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import { apiKeys } from "./auth.tables.js";

export async function listApiKeys(
  tx: TTx,
  options: { workspaceId: string; limit: number; cursor?: string | undefined },
) {
  return tx
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      scopes: apiKeys.scopes,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      lastUsedAt: apiKeys.lastUsedAt,
      createdAt: apiKeys.createdAt,
    })
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.workspaceId, options.workspaceId),
        options.cursor ? gt(apiKeys.id, options.cursor) : undefined,
      ),
    )
    .orderBy(asc(apiKeys.id))
    .limit(options.limit + 1);
}
