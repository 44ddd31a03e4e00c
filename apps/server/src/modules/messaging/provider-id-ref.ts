import { blindIndex, encryptField, type TWorkspaceKeys } from "../../core/keyring.js";

/**
 * A provider message id as it is looked up and stored. For a provider whose ids can carry personal data
 * (personal-provider-ids.ts) the stored form is `index` (message_provider_ids, orphan_status_events) and
 * `sealed` (the message's copy, and the orphan's); for the others it is `plain` as it is.
 */
export interface TProviderIdRef {
  /**
   * The id as the provider wrote it: stored when `index` is null, otherwise only looked up (rows stored
   * before migration 0354 hold it in the clear until the backfill converts them). Null when not known
   * (an orphan kept since 0354 holds only its hash and sealed id).
   */
  plain: string | null;
  /** Keyed hash of the id (HMAC-SHA256, the workspace's blind-index key), looked up and stored instead. */
  index: string | null;
  /** The sealed id stored with `index`; sealed when first needed (most statuses store nothing). */
  sealed: (() => string) | null;
}

/** The keyed hash status webhooks find a message by (message_provider_ids.provider_message_index). */
export function providerMessageIndex(keys: TWorkspaceKeys, providerMessageId: string): string {
  return blindIndex(keys, "provider_message", providerMessageId);
}

/**
 * The ref of a provider id: as it is, or (`personal`: the workspace's keys) hashed and sealed with the
 * workspace's keys.
 */
export function providerIdRef(
  providerMessageId: string,
  personal?: { keys: TWorkspaceKeys; workspaceId: string },
): TProviderIdRef {
  if (personal === undefined) return { plain: providerMessageId, index: null, sealed: null };
  let sealed: string | undefined;
  return {
    plain: providerMessageId,
    index: providerMessageIndex(personal.keys, providerMessageId),
    sealed: () => {
      sealed ??= encryptField(personal.keys, personal.workspaceId, providerMessageId);
      return sealed;
    },
  };
}
