import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../../core/db/tx.js";
import type { TWorkspaceKeys } from "../../../core/keyring.js";
import type { TMessageDbRow } from "../message-row.js";
import type { TChannelAccountRow, TMessageContent } from "../messaging.types.js";
import { getContactAddresses } from "../ports.js";
import { openContent } from "../present-message.js";

/** A stored message with what its Twilio resource shows: its sender, its own recipient, its content. */
export interface TStoredTwilioMessage {
  m: TMessageDbRow;
  sender: { address: string | null; messagingServiceSid: string | null; providerId: string } | undefined;
  /** The address the message was sent to (without `whatsapp:`). */
  to: string | undefined;
  content: TMessageContent;
}

/**
 * Open messages for the Twilio-compatible API: content unsealed, each with its sender and its own
 * recipient (sealed with its content; the contact's address on the channel only for a message stored
 * without one, since the contact may have several, or another one since).
 */
export async function loadTwilioMessages(
  tx: TTx,
  keys: TWorkspaceKeys,
  workspaceId: string,
  found: TMessageDbRow[],
): Promise<TStoredTwilioMessage[]> {
  if (found.length === 0) return [];
  const senders = new Map(
    (
      await rows<{
        id: string;
        address: string | null;
        messaging_service_sid: string | null;
        provider_id: string;
      }>(
        tx,
        sql`select id, address, messaging_service_sid, provider_id from channel_accounts
          where workspace_id = ${workspaceId}
            and id = any(${sql.param([...new Set(found.map((m) => m.channel_account_id))])}::text[])`,
      )
    ).map((a) => [
      a.id,
      { address: a.address, messagingServiceSid: a.messaging_service_sid, providerId: a.provider_id },
    ]),
  );
  const opened = found.map((m) => ({ m, content: openContent(keys, m) }));
  const fallback = new Map<string, Map<string, string>>();
  for (const channel of new Set(opened.filter((o) => o.content.to === undefined).map((o) => o.m.channel))) {
    const contactIds = opened
      .filter((o) => o.content.to === undefined && o.m.channel === channel)
      .map((o) => o.m.contact_id);
    fallback.set(
      channel,
      await getContactAddresses(tx, keys, {
        workspaceId,
        contactIds: [...new Set(contactIds)],
        channel: channel as TChannelAccountRow["channel"],
      }),
    );
  }
  return opened.map(({ m, content }) => ({
    m,
    sender: senders.get(m.channel_account_id),
    to: content.to ?? fallback.get(m.channel)?.get(m.contact_id),
    content,
  }));
}
