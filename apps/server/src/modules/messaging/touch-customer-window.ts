import { sql } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";

/** An inbound message opens (or extends) the 24-hour customer-service window on that sender. */
export async function touchCustomerWindow(
  tx: TTx,
  o: { workspaceId: string; contactId: string; channelAccountId: string; at: Date },
): Promise<void> {
  await tx.execute(sql`insert into customer_windows (workspace_id, contact_id, channel_account_id, last_inbound_at)
    values (${o.workspaceId}, ${o.contactId}, ${o.channelAccountId}, ${o.at})
    on conflict (workspace_id, channel_account_id, contact_id)
    do update set last_inbound_at = greatest(customer_windows.last_inbound_at, excluded.last_inbound_at)`);
}
