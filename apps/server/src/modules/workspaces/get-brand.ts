import { and, eq } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import type { TBrand } from "./create-brand.js";
import { brands } from "./workspaces.tables.js";

/** The brand, or undefined when it does not exist in this workspace. */
export async function getBrand(
  tx: TTx,
  options: { workspaceId: string; brandId: string },
): Promise<TBrand | undefined> {
  const found = await tx
    .select()
    .from(brands)
    .where(and(eq(brands.id, options.brandId), eq(brands.workspaceId, options.workspaceId)));
  return found[0];
}
