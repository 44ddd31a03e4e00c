import { sql } from "drizzle-orm";
import type { TDb } from "../../core/db/client.js";
import { rows, withSystemTx } from "../../core/db/tx.js";
import type { TProviderId } from "../channels/index.js";

/**
 * Senders of a provider with this address, in every workspace: Meta sends the webhooks of all numbers
 * of an app to one URL, so the inbound route finds the account by `webhookRoutingKeys` (WhatsApp
 * phone_number_id, Instagram account id, Twilio number) and then verifies with its secret. Active ones
 * first (oldest first); a disabled sender is still found, as at its own URL: a STOP written to a number the
 * business stopped sending from must be recorded all the same. Of disabled ones the newest comes first
 * (a number moved from one workspace to another belongs to the later).
 */
export async function findChannelAccountsByAddress(
  db: TDb,
  o: { providerId: TProviderId; address: string },
): Promise<{ id: string; workspaceId: string }[]> {
  const found = await withSystemTx(db, (tx) =>
    rows<{ id: string; workspace_id: string }>(
      tx,
      sql`select id, workspace_id from channel_accounts where provider_id = ${o.providerId} and address = ${o.address}
        order by (status = 'active') desc, case when status = 'active' then created_at end, created_at desc`,
    ),
  );
  return found.map((r) => ({ id: r.id, workspaceId: r.workspace_id }));
}
