import { blindIndex, type TWorkspaceKeys } from "../../core/keyring.js";
import { pgText } from "./pg-text.js";

/**
 * What an inbound message is de-duplicated on (inbound_messages.dedupe_index, migration 0353): a keyed
 * hash of the adapter's dedupe key, which may hold the sender's id (a Telegram chat id, an IGSID, a number
 * inside a wamid) and so is never stored as it is.
 */
export function inboundMessageIndex(keys: TWorkspaceKeys, dedupeKey: string): string {
  return blindIndex(keys, "inbound_message", pgText(dedupeKey));
}

/**
 * The receipt key of a provider opt-out read from a failed status (recordProviderOptOut's dedupeKey): a
 * keyed hash of the status's provider message id (a wamid holds the number).
 */
export function statusOptOutKey(keys: TWorkspaceKeys, providerMessageId: string): string {
  return `status:${blindIndex(keys, "inbound_event", `status:${pgText(providerMessageId)}`)}`;
}
