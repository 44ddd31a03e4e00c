import { recordAudit, type TActor } from "../../core/audit.js";
import { sqlState, type TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import type { TContactChannel } from "../contacts/index.js";
import { campaigns } from "./consent.tables.js";
import type { TCampaign, TCategory } from "./consent.types.js";
import { requireBrand } from "./require-brand.js";

/** Create a campaign of a brand: a consent given for it covers only it (and never another brand). */
export async function createCampaign(
  tx: TTx,
  o: {
    workspaceId: string;
    brandId: string;
    name: string;
    category: TCategory;
    channels: TContactChannel[];
    actor: TActor;
    requestId?: string | undefined;
    at?: Date;
  },
): Promise<TCampaign> {
  await requireBrand(tx, o);
  const channels = [...new Set(o.channels)];
  if (channels.length === 0)
    throw new AppError("validation_failed", {
      message: "a campaign needs at least one channel",
      field: "channels",
    });
  const row = {
    id: newId("cmp"),
    workspaceId: o.workspaceId,
    brandId: o.brandId,
    name: o.name,
    category: o.category,
    channels,
    createdAt: o.at ?? new Date(),
  };
  try {
    await tx.execute("savepoint create_campaign");
    await tx.insert(campaigns).values(row);
    await tx.execute("release savepoint create_campaign");
  } catch (error) {
    if (sqlState(error) === "23505") {
      await tx.execute("rollback to savepoint create_campaign");
      throw new AppError("conflict", { message: "this brand has a campaign with this name", field: "name" });
    }
    throw error;
  }
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: o.actor,
    action: "campaign.created",
    targetType: "campaign",
    targetId: row.id,
    requestId: o.requestId,
    details: { brandId: o.brandId, category: o.category, channels: channels.join(",") },
  });
  return {
    id: row.id,
    brandId: row.brandId,
    name: row.name,
    category: row.category,
    channels,
    createdAt: row.createdAt,
  };
}
