import { sql } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";

/**
 * An inbound message opens (or extends) the 24-hour customer-service window on that sender, and records
 * the route of the contact's latest message: a Telegram Business connection, or none (migration 0347).
 */
export async function touchCustomerWindow(
  tx: TTx,
  o: {
    workspaceId: string;
    contactId: string;
    channelAccountId: string;
    at: Date;
    businessConnectionId?: string | null | undefined;
  },
): Promise<void> {
  await tx.execute(sql`insert into customer_windows (workspace_id, contact_id, channel_account_id, last_inbound_at,
      business_connection_id)
    values (${o.workspaceId}, ${o.contactId}, ${o.channelAccountId}, ${o.at}, ${o.businessConnectionId ?? null})
    on conflict (workspace_id, channel_account_id, contact_id)
    do update set last_inbound_at = greatest(customer_windows.last_inbound_at, excluded.last_inbound_at),
      business_connection_id = case when excluded.last_inbound_at >= customer_windows.last_inbound_at
        then excluded.business_connection_id else customer_windows.business_connection_id end`);
}
