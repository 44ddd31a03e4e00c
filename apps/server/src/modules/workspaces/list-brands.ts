import { and, asc, eq, gt } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import { brands } from "./workspaces.tables.js";

export function listBrands(
  tx: TTx,
  options: { workspaceId: string; limit: number; cursor?: string | undefined },
) {
  return tx
    .select()
    .from(brands)
    .where(
      and(
        eq(brands.workspaceId, options.workspaceId),
        options.cursor ? gt(brands.id, options.cursor) : undefined,
      ),
    )
    .orderBy(asc(brands.id))
    .limit(options.limit + 1);
}
