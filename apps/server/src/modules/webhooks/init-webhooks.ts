import type { TAppContext } from "../../core/context.js";
import { useWebhookKeyRing } from "./workspace-keys-in-tx.js";

/**
 * Call once per process at start (every role): emitters receive only a transaction, and this is how the
 * webhooks module reaches the process's key ring to seal event payloads. Mounting the routes or running a
 * webhook job does it too; a process that emits without any of the three fails the emitting transaction.
 */
export function initWebhooks(ctx: Pick<TAppContext, "keys">): void {
  useWebhookKeyRing(ctx.keys);
}
