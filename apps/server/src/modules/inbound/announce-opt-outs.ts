import type { TTx } from "../../core/db/tx.js";
import type { TOptOutEffect } from "../consent/index.js";
import { emitWebhookEvents, type TWebhookEventInput } from "../webhooks/index.js";
import { optOutWebhookEvents } from "./opt-out-webhook-events.js";
import { suppressOptedOut } from "./suppress-opted-out.js";

/**
 * Consent's opt-out effects (registered as consent's optOutEffects at start), for the opt-outs recorded
 * outside the inbound path (the API, an imported suppression list), in their transaction: each one's
 * queued and scheduled messages suppressed with its copies' (suppressOptedOut, `message.suppressed`), then
 * one `contact.opted_out` per new opt-out and per copy (optOutWebhookEvents), emitted together. Answers
 * how many of each contact's own messages were suppressed.
 */
export async function announceOptOuts(
  tx: TTx,
  optOuts: readonly TOptOutEffect[],
): Promise<{ suppressed: number }[]> {
  const answers: { suppressed: number }[] = [];
  const events: TWebhookEventInput[] = [];
  for (const o of optOuts) {
    const done = await suppressOptedOut(tx, {
      workspaceId: o.workspaceId,
      brandId: o.brandId,
      contactId: o.contactId,
      scope: o.scope,
      ledger: o.recorded,
      at: o.at,
    });
    events.push(
      ...optOutWebhookEvents({
        workspaceId: o.workspaceId,
        brandId: o.brandId,
        contactId: o.contactId,
        scope: o.scope,
        channel: o.channel,
        method: o.method,
        ledgerEntryId: o.recorded.ledgerEntryId,
        alreadyOptedOut: o.recorded.alreadyOptedOut,
        inboundMessageId: o.inboundMessageId,
        suppressed: done.suppressed,
        carried: done.carried,
        at: o.at,
      }),
    );
    answers.push({ suppressed: done.suppressed });
  }
  await emitWebhookEvents(tx, events);
  return answers;
}
