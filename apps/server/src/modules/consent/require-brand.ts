import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";

/** 404 naming `field` unless the brand exists in this workspace (also when it exists in another one). */
export async function requireBrand(
  tx: TTx,
  o: { workspaceId: string; brandId: string; field?: string },
): Promise<void> {
  const found = await rows<{ id: string }>(
    tx,
    sql`select id from brands where workspace_id = ${o.workspaceId} and id = ${o.brandId}`,
  );
  if (!found[0]) throw new AppError("not_found", { message: "brand not found", field: o.field ?? "brandId" });
}
