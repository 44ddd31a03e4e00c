import type { TTx } from "../../core/db/tx.js";
import type { TNormalizedEvent } from "../channels/index.js";
import { applyStatusEvent } from "../messaging/index.js";
import { handleInboundMessage } from "./handle-inbound-message.js";
import { handlePreferenceEvent } from "./handle-preference-event.js";
import { handleReachabilityEvent } from "./handle-reachability-event.js";
import type { TInboundContext, TInboundOutcome } from "./inbound.types.js";
import { pgText } from "./pg-text.js";

/**
 * One verified, normalised provider event, in the caller's transaction (one transaction per event, so
 * an opt-out and everything it suppresses commit together, and one bad event cannot undo another).
 */
export async function handleInboundEvent(
  tx: TTx,
  c: TInboundContext,
  event: TNormalizedEvent,
): Promise<TInboundOutcome> {
  switch (event.kind) {
    case "inbound_message":
      return handleInboundMessage(tx, c, event);
    case "status": {
      const applied = await applyStatusEvent(tx, {
        workspaceId: c.account.workspaceId,
        channelAccountId: c.account.id,
        providerMessageId: pgText(event.providerMessageId),
        status: event.status,
        at: event.at,
        ...(event.errorCode ? { errorCode: pgText(event.errorCode) } : {}),
        ...(event.errorMessage ? { errorMessage: pgText(event.errorMessage) } : {}),
        ...(event.clientReference?.startsWith("msg_") ? { messageId: pgText(event.clientReference) } : {}),
      });
      return { kind: "status", messageId: applied?.messageId ?? null };
    }
    case "preference":
      return handlePreferenceEvent(tx, c, event);
    case "blocked":
    case "unblocked":
      return handleReachabilityEvent(tx, c, event);
    default:
      return { kind: "ignored", reason: event.kind };
  }
}
