import { sql } from "drizzle-orm";
import type { TDb } from "../../core/db/client.js";
import { rows, withSystemTx } from "../../core/db/tx.js";
import { decryptField, type KeyRing } from "../../core/keyring.js";
import type { TChannel, TProviderId } from "../channels/index.js";

export interface TWebhookChannelAccount {
  id: string;
  workspaceId: string;
  brandId: string;
  providerId: TProviderId;
  channel: TChannel;
  status: "active" | "disabled";
  /** Decrypted provider credentials (build the adapter with them to verify and parse webhooks). */
  credentials: unknown;
  /** Sandbox and fake senders: the X-Assent-Signature secret. */
  webhookSecret?: string;
}

/**
 * A sender by id for the inbound webhook route, credentials decrypted; any workspace (the URL names the
 * account). Undefined when unknown. Disabled senders are returned with their status: the caller decides.
 */
export async function getChannelAccountForWebhook(
  db: TDb,
  keys: KeyRing,
  channelAccountId: string,
): Promise<TWebhookChannelAccount | undefined> {
  if (channelAccountId.length > 100) return undefined;
  const found = await withSystemTx(db, (tx) =>
    rows<{
      id: string;
      workspace_id: string;
      brand_id: string;
      provider_id: TProviderId;
      channel: TChannel;
      status: string;
      credentials_sealed: string;
    }>(
      tx,
      sql`select id, workspace_id, brand_id, provider_id, channel, status, credentials_sealed from channel_accounts
        where id = ${channelAccountId}`,
    ),
  );
  const row = found[0];
  if (!row) return undefined;
  const workspaceKeys = await keys.forWorkspace(db, row.workspace_id);
  const credentials = JSON.parse(
    decryptField(workspaceKeys, row.workspace_id, row.credentials_sealed),
  ) as Record<string, unknown>;
  const secret = credentials.webhookSecret;
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    brandId: row.brand_id,
    providerId: row.provider_id,
    channel: row.channel,
    status: row.status === "disabled" ? "disabled" : "active",
    credentials,
    ...((row.provider_id === "sandbox" || row.provider_id === "fake") && typeof secret === "string"
      ? { webhookSecret: secret }
      : {}),
  };
}
