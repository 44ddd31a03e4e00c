import type { TTx } from "../../core/db/tx.js";
import type { TWorkspaceKeys } from "../../core/keyring.js";
import { accountProvider } from "./account-provider.js";
import { applyProviderStatus, type TProviderStatusEvent } from "./apply-provider-status.js";
import type { TMessageStatus } from "./messaging.types.js";
import { providerIdsArePersonal } from "./personal-provider-ids.js";
import { providerIdRef } from "./provider-id-ref.js";

export interface TApplyStatusEventOptions extends TProviderStatusEvent {
  providerMessageId: string;
  /**
   * The workspace's keys: a sender whose provider ids can carry personal data (WhatsApp Cloud, Instagram)
   * has them stored as a keyed hash and sealed (migration 0354), so they are needed to find its messages;
   * without them such a status is refused (an error: the provider delivers it again).
   */
  keys?: TWorkspaceKeys | undefined;
}

/**
 * A provider status for one of our messages (see applyProviderStatus). Statuses only move forward
 * (delivered never goes back to sent); a message in `unknown` after a crash is reconciled here. A status
 * for a message we cannot find yet (its send result is still being recorded) is kept and applied when the
 * provider id is stored; the answer is then null.
 */
export async function applyStatusEvent(
  tx: TTx,
  o: TApplyStatusEventOptions,
): Promise<{ messageId: string; status: TMessageStatus } | null> {
  const provider = await accountProvider(tx, o.channelAccountId);
  if (provider === undefined || !providerIdsArePersonal(provider))
    return applyProviderStatus(tx, o, providerIdRef(o.providerMessageId));
  const keys = o.keys;
  if (keys === undefined)
    throw new Error(
      "applyStatusEvent: this sender's provider ids are stored hashed and sealed; pass the workspace's keys",
    );
  return applyProviderStatus(tx, o, providerIdRef(o.providerMessageId, { keys, workspaceId: o.workspaceId }));
}
