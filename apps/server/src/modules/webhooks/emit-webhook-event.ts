import type { TTx } from "../../core/db/tx.js";
import { emitWebhookEvents } from "./emit-webhook-events.js";
import type { TWebhookEventInput } from "./event-types.js";

/** One event: see emitWebhookEvents. */
export function emitWebhookEvent(tx: TTx, e: TWebhookEventInput): Promise<void> {
  return emitWebhookEvents(tx, [e]);
}
