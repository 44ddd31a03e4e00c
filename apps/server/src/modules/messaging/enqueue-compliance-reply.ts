import { sql } from "drizzle-orm";
import { recordAudit } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { newId } from "../../core/ids.js";
import { encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import type { TChannel } from "../channels/index.js";
import { emitWebhookEvents } from "./emit-webhook-events.js";
import { insertMessageEvents } from "./insert-message-events.js";
import { segmentsOf } from "./prepare-send-work.js";

export interface TComplianceReplyOptions {
  workspaceId: string;
  brandId: string;
  contactId: string;
  channelAccountId: string;
  channel: TChannel;
  body: string;
  kind: "opt_out_confirmation" | "opt_in_confirmation" | "help" | "clarify";
  /** The inbound message that triggered it: at most one reply per inbound message. */
  inReplyTo: string;
  at?: Date;
}

/**
 * Queue a compliance reply (opt-out / opt-in confirmation, HELP answer, one clarifying question):
 * transactional, never marketing, exempt from the consent decision by law (recorded with the reason
 * `compliance_reply`), at most one per triggering inbound message (a repeat returns the first one).
 */
export async function enqueueComplianceReply(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: TComplianceReplyOptions,
): Promise<{ messageId: string; created: boolean }> {
  const at = o.at ?? new Date();
  const id = newId("msg");
  const content = { body: o.body };
  const inserted = await rows<{ id: string }>(
    tx,
    sql`insert into messages (id, workspace_id, brand_id, campaign_id, contact_id, channel, channel_account_id, category,
        source, status, reason, accept_status, accept_reason, due_at, content_kind, content_sealed, segments, in_reply_to,
        compliance_kind, created_at, updated_at)
      values (${id}, ${o.workspaceId}, ${o.brandId}, null, ${o.contactId}, ${o.channel}, ${o.channelAccountId}, 'transactional',
        'compliance', 'queued', 'compliance_reply', 'queued', 'compliance_reply', ${at}, 'text',
        ${encryptField(keys, o.workspaceId, JSON.stringify(content))}, ${segmentsOf(o.channel, content)}, ${o.inReplyTo},
        ${o.kind}, ${at}, ${at})
      on conflict (workspace_id, in_reply_to) where in_reply_to is not null do nothing
      returning id`,
  );
  if (inserted.length === 0) {
    const existing = await rows<{ id: string }>(
      tx,
      sql`select id from messages where workspace_id = ${o.workspaceId} and in_reply_to = ${o.inReplyTo}`,
    );
    return { messageId: existing[0]?.id ?? "", created: false };
  }
  const decision = { allowed: true, reason: "compliance_reply", basis: null, ledgerEntryIds: [] };
  await insertMessageEvents(tx, [
    {
      workspaceId: o.workspaceId,
      messageId: id,
      type: "accepted",
      at,
      reason: "compliance_reply",
      details: { status: "queued", source: "compliance", kind: o.kind, decision },
    },
  ]);
  await emitWebhookEvents(tx, [
    {
      workspaceId: o.workspaceId,
      type: "message.queued",
      at,
      data: {
        messageId: id,
        status: "queued",
        reason: "compliance_reply",
        contactId: o.contactId,
        brandId: o.brandId,
        channel: o.channel,
        category: "transactional",
      },
    },
  ]);
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: { type: "system", id: null },
    action: "message.accepted",
    targetType: "message",
    targetId: id,
    at,
    details: { status: "queued", reason: "compliance_reply", channel: o.channel, kind: o.kind },
  });
  return { messageId: id, created: true };
}
