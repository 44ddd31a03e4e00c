import { recordAudit, type TActor } from "../../core/audit.js";
import { sqlState, type TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { brands } from "./workspaces.tables.js";

export type TBrand = typeof brands.$inferSelect;

export async function createBrand(
  tx: TTx,
  options: {
    workspaceId: string;
    name: string;
    settings?: Record<string, unknown>;
    actor: TActor;
    requestId?: string | undefined;
  },
): Promise<TBrand> {
  const row: TBrand = {
    id: newId("brd"),
    workspaceId: options.workspaceId,
    name: options.name,
    settings: options.settings ?? {},
    createdAt: new Date(),
  };
  try {
    await tx.execute("savepoint create_brand");
    await tx.insert(brands).values(row);
    await tx.execute("release savepoint create_brand");
  } catch (error) {
    if (sqlState(error) === "23505") {
      await tx.execute("rollback to savepoint create_brand");
      throw new AppError("conflict", { message: "a brand with this name exists", field: "name" });
    }
    throw error;
  }
  await recordAudit(tx, {
    workspaceId: options.workspaceId,
    actor: options.actor,
    action: "brand.created",
    targetType: "brand",
    targetId: row.id,
    requestId: options.requestId,
  });
  return row;
}
