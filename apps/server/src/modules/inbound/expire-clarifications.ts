import { sql } from "drizzle-orm";
import { recordAudit } from "../../core/audit.js";
import type { TAppContext } from "../../core/context.js";
import { rows, withSystemTx, withWorkspaceTx } from "../../core/db/tx.js";
import { recordOptOut } from "../consent/index.js";
import type { TContactChannel } from "../contacts/index.js";
import { emitWebhookEvents } from "../webhooks/index.js";
import { optOutWebhookEvents } from "./opt-out-webhook-events.js";
import { suppressOptedOut } from "./suppress-opted-out.js";

interface TDue {
  workspace_id: string;
  brand_id: string;
  contact_id: string;
  clarify_inbound_id: string;
  clarify_scope: "all" | "marketing";
  clarify_channel: TContactChannel;
}

/**
 * Clarifying questions nobody answered before their timeout: no reply counts as an opt-out of the scope
 * that was asked about (47 CFR 64.1200(a)(12)), with the uncertain message as evidence. Nothing is
 * replied: the question was the one message the rule allows. Returns how many were resolved.
 */
export async function expireClarifications(
  ctx: Pick<TAppContext, "db" | "clock" | "logger">,
  o: { limit?: number } = {},
): Promise<number> {
  const now = ctx.clock();
  const due = await withSystemTx(ctx.db, (tx) =>
    rows<TDue>(
      tx,
      sql`select workspace_id, brand_id, contact_id, clarify_inbound_id, clarify_scope, clarify_channel
          from inbound_contact_state where clarify_expires_at <= ${now}
          order by clarify_expires_at limit ${o.limit ?? 500}`,
    ),
  );
  let resolved = 0;
  for (const d of due) {
    const done = await withWorkspaceTx(ctx.db, d.workspace_id, async (tx) => {
      const still = await rows<{ contact_id: string }>(
        tx,
        sql`update inbound_contact_state set clarify_inbound_id = null, clarify_scope = null, clarify_channel = null,
              clarify_asked_at = null, clarify_expires_at = null, updated_at = ${now}
            where workspace_id = ${d.workspace_id} and brand_id = ${d.brand_id} and contact_id = ${d.contact_id}
              and clarify_inbound_id = ${d.clarify_inbound_id} and clarify_expires_at <= ${now}
            returning contact_id`,
      );
      if (still.length === 0) return false;
      const ledger = await recordOptOut(tx, {
        workspaceId: d.workspace_id,
        brandId: d.brand_id,
        contactId: d.contact_id,
        scope: d.clarify_scope,
        channel: d.clarify_channel,
        evidence: { method: "natural_language", messageId: d.clarify_inbound_id },
        actor: { type: "system", id: null },
        at: now,
      });
      const { suppressed, carried } = await suppressOptedOut(tx, {
        workspaceId: d.workspace_id,
        brandId: d.brand_id,
        contactId: d.contact_id,
        scope: d.clarify_scope,
        ledger,
        at: now,
      });
      // The contact's event (unless it was opted out already), and one per copy carried to a linked contact.
      await emitWebhookEvents(
        tx,
        optOutWebhookEvents({
          workspaceId: d.workspace_id,
          brandId: d.brand_id,
          contactId: d.contact_id,
          scope: d.clarify_scope,
          channel: d.clarify_channel,
          method: "natural_language",
          details: { reason: "clarification_unanswered" },
          ledgerEntryId: ledger.ledgerEntryId,
          alreadyOptedOut: ledger.alreadyOptedOut,
          inboundMessageId: d.clarify_inbound_id,
          suppressed,
          carried,
          at: now,
        }),
      );
      await recordAudit(tx, {
        workspaceId: d.workspace_id,
        actor: { type: "system", id: null },
        action: "inbound.clarification_expired",
        targetType: "contact",
        targetId: d.contact_id,
        at: now,
        details: { brandId: d.brand_id, scope: d.clarify_scope, suppressed },
      });
      return true;
    });
    if (done) resolved++;
  }
  if (resolved > 0) ctx.logger.info({ resolved }, "unanswered clarifying questions resolved as opt-outs");
  return resolved;
}
