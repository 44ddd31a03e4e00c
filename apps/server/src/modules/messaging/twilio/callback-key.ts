import type { TAppContext } from "../../../core/context.js";
import { encryptField } from "../../../core/keyring.js";
import type { TTwilioCaller } from "./authenticate-twilio-caller.js";

/** API keys whose secret this process knows to be stored (sealed) for signing status callbacks. */
const storedCallbackKeys = new Set<string>();

/**
 * The caller's API key secret sealed with the workspace key, to be kept with its first accepted message
 * that asks for StatusCallbacks (TSendWork.twilio.callbackKeySealed: the accept transaction stores it only
 * when the message is not refused); undefined once this process knows it is stored. Twilio signs callbacks
 * with the auth token the caller authenticated with, and so do we.
 */
export const callbackKey = {
  async sealed(ctx: TAppContext, caller: TTwilioCaller & { secret: string }): Promise<string | undefined> {
    if (storedCallbackKeys.has(caller.keyId)) return undefined;
    const keys = await ctx.keys.forWorkspace(ctx.db, caller.workspaceId);
    return encryptField(keys, caller.workspaceId, caller.secret);
  },
  /**
   * The secret this process sealed was written: its own message (not an idempotent replay, which writes
   * nothing) was accepted, not refused, and committed.
   */
  stored(keyId: string): void {
    storedCallbackKeys.add(keyId);
  },
};
