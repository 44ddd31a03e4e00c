import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import type { TInboundAccount } from "../inbound/index.js";

/** The brand's active sandbox channel account (the oldest, if it has several), or undefined. */
export async function findSandboxAccount(
  tx: TTx,
  o: { workspaceId: string; brandId: string },
): Promise<TInboundAccount | undefined> {
  const found = await rows<{ id: string; workspace_id: string; brand_id: string }>(
    tx,
    sql`select id, workspace_id, brand_id from channel_accounts
        where workspace_id = ${o.workspaceId} and brand_id = ${o.brandId} and provider_id = 'sandbox' and status = 'active'
        order by id limit 1`,
  );
  const row = found[0];
  return row
    ? {
        id: row.id,
        workspaceId: row.workspace_id,
        brandId: row.brand_id,
        providerId: "sandbox",
        channel: "sandbox",
      }
    : undefined;
}
