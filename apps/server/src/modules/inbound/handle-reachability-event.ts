import type { TTx } from "../../core/db/tx.js";
import type { TNormalizedEvent } from "../channels/index.js";
import { resolveContactByAddress } from "../contacts/index.js";
import type { TInboundContext, TInboundOutcome } from "./inbound.types.js";
import { setReachability } from "./set-reachability.js";

type TReachabilityEvent = Extract<TNormalizedEvent, { kind: "blocked" | "unblocked" }>;

/** The person blocked (or unblocked) the bot: unreachable through this channel account, or reachable again. */
export async function handleReachabilityEvent(
  tx: TTx,
  c: TInboundContext,
  event: TReachabilityEvent,
): Promise<TInboundOutcome> {
  const unreachable = event.kind === "blocked";
  const contact = await resolveContactByAddress(tx, c.keys, {
    workspaceId: c.account.workspaceId,
    channel: c.account.channel,
    address: event.from,
    create: false,
    field: "from",
  });
  if (!contact) return { kind: "reachability", contactId: null, unreachable, applied: false };
  const done = await setReachability(tx, {
    workspaceId: c.account.workspaceId,
    channelAccountId: c.account.id,
    contactId: contact.contactId,
    unreachable,
    reason: event.kind,
    at: event.at,
    actor: c.actor,
    requestId: c.requestId,
  });
  return { kind: "reachability", contactId: contact.contactId, unreachable, applied: done.applied };
}
