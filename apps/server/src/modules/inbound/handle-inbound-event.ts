import type { TTx } from "../../core/db/tx.js";
import type { TNormalizedEvent } from "../channels/index.js";
import type { TIntentResult } from "../intent/index.js";
import { recordBusinessConnection } from "../messaging/index.js";
import { handleInboundMessage } from "./handle-inbound-message.js";
import { handlePreferenceEvent } from "./handle-preference-event.js";
import { handleReachabilityEvent } from "./handle-reachability-event.js";
import { handleStatusEvent } from "./handle-status-event.js";
import type { TInboundContext, TInboundOutcome } from "./inbound.types.js";

/**
 * One verified, normalised provider event, in the caller's transaction (one transaction per event, so
 * an opt-out and everything it suppresses commit together, and one bad event cannot undo another).
 * `preclassified`: an inbound message's external-model upgrade, asked before the transaction opened.
 */
export async function handleInboundEvent(
  tx: TTx,
  c: TInboundContext,
  event: TNormalizedEvent,
  preclassified?: TIntentResult,
): Promise<TInboundOutcome> {
  switch (event.kind) {
    case "inbound_message":
      return handleInboundMessage(tx, c, event, preclassified);
    case "status":
      return handleStatusEvent(tx, c, event);
    case "preference":
      return handlePreferenceEvent(tx, c, event);
    case "blocked":
    case "unblocked":
      return handleReachabilityEvent(tx, c, event);
    case "business_connection":
      // The business user's chat id (`from`, their Telegram user id) is not kept: nothing needs it.
      await recordBusinessConnection(tx, {
        workspaceId: c.account.workspaceId,
        channelAccountId: c.account.id,
        businessConnectionId: event.businessConnectionId,
        enabled: event.enabled,
        canReply: event.canReply,
        at: event.at,
      });
      return {
        kind: "business_connection",
        businessConnectionId: event.businessConnectionId,
        enabled: event.enabled,
      };
    default:
      // Every kind is handled above; a kind added later is ignored until it is.
      return { kind: "ignored", reason: (event as { kind: string }).kind };
  }
}
