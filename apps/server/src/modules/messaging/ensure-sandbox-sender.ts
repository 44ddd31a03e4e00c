import { sql } from "drizzle-orm";
import type { TActor } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import type { TWorkspaceKeys } from "../../core/keyring.js";
import { createChannelAccount } from "./create-channel-account.js";

/**
 * The brand's sandbox sender, created when it has none (first start: the demo brand gets one, so the
 * whole loop works without any provider). Returns its id and, when just created, its webhook secret.
 */
export async function ensureSandboxSender(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: { workspaceId: string; brandId: string; actor?: TActor },
): Promise<{ channelAccountId: string; created: boolean; webhookSecret?: string }> {
  const existing = await rows<{ id: string }>(
    tx,
    sql`select id from channel_accounts where workspace_id = ${o.workspaceId} and brand_id = ${o.brandId}
      and provider_id = 'sandbox' and status = 'active' order by created_at limit 1`,
  );
  if (existing[0]) return { channelAccountId: existing[0].id, created: false };
  const created = await createChannelAccount(tx, keys, {
    workspaceId: o.workspaceId,
    actor: o.actor ?? { type: "system", id: null },
    input: {
      brandId: o.brandId,
      channel: "sandbox",
      providerId: "sandbox",
      name: "Sandbox",
      credentials: {},
    },
  });
  return {
    channelAccountId: created.account.id,
    created: true,
    ...(created.webhookSecret !== undefined ? { webhookSecret: created.webhookSecret } : {}),
  };
}
