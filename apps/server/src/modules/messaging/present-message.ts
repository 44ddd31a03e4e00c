import { z } from "zod";
import { decryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import { isoOf, type TMessageDbRow, type TMessageEventDbRow } from "./message-row.js";
import { messageStatuses, messageTags, type TMessageContent } from "./messaging.types.js";

export const ZTimelineEntry = z.object({
  type: z.string(),
  at: z.string(),
  reason: z.string().optional(),
  /** decided: which stage decided (accept or dispatch) and the ledger entries the decision used. */
  stage: z.enum(["accept", "dispatch"]).optional(),
  allowed: z.boolean().optional(),
  ledgerEntryIds: z.array(z.string()).optional(),
  notBefore: z.string().optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
});
export type TTimelineEntry = z.infer<typeof ZTimelineEntry>;

export const ZMessage = z.object({
  id: z.string(),
  status: z.enum(messageStatuses),
  reason: z.string().nullable(),
  channel: z.string(),
  category: z.string(),
  source: z.string(),
  brandId: z.string(),
  campaignId: z.string().nullable(),
  contactId: z.string(),
  channelAccountId: z.string(),
  /** The recipient's address the message goes to. */
  to: z.string().optional(),
  body: z.string().optional(),
  media: z
    .array(z.object({ url: z.string(), contentType: z.string().optional(), caption: z.string().optional() }))
    .optional(),
  template: z.record(z.string(), z.unknown()).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  /** Instagram: `human_agent` when sent with the HUMAN_AGENT tag. */
  tag: z.enum(messageTags).optional(),
  segments: z.number(),
  attempts: z.number(),
  providerMessageId: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  ledgerEntryIds: z.array(z.string()),
  notBefore: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  sentAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  readAt: z.string().nullable(),
  timeline: z.array(ZTimelineEntry).optional(),
});
export type TMessageJson = z.infer<typeof ZMessage>;

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function decisionEntry(
  at: string,
  stage: "accept" | "dispatch",
  decision: unknown,
): TTimelineEntry | undefined {
  if (typeof decision !== "object" || decision === null) return undefined;
  const d = decision as Record<string, unknown>;
  const ids = Array.isArray(d.ledgerEntryIds)
    ? d.ledgerEntryIds.filter((x): x is string => typeof x === "string")
    : [];
  return {
    type: "decided",
    at,
    stage,
    ledgerEntryIds: ids,
    ...(typeof d.allowed === "boolean" ? { allowed: d.allowed } : {}),
    ...(str(d.reason) !== undefined ? { reason: str(d.reason) } : {}),
  };
}

const order: Record<string, number> = {
  accepted: 0,
  decided: 1,
  scheduled: 2,
  suppressed: 2,
  claimed: 3,
  sent: 4,
  delivered: 5,
  read: 6,
};

/**
 * The `accepted` event of a message the send path accepted since migration 0345: it writes no event row
 * (it is the hot path) and keeps the accept decision on the message row instead, which never changes.
 */
function acceptedFromRow(row: TMessageDbRow): TMessageEventDbRow {
  const decision =
    row.accept_allowed === null
      ? null
      : {
          allowed: row.accept_allowed,
          ...(row.accept_decision !== null ? { reason: row.accept_decision } : {}),
          ledgerEntryIds: row.accept_ledger_ids ?? [],
        };
  const notBefore = isoOf(row.accept_not_before);
  return {
    message_id: row.id,
    type: "accepted",
    at: row.created_at,
    reason: row.accept_reason,
    details: { status: row.accept_status, decision, ...(notBefore ? { notBefore } : {}) },
  };
}

/**
 * The timeline as the API shows it. An `accepted` event expands to accepted + decided (+ scheduled or
 * suppressed). The hot paths write no event rows: a message accepted by the send path has its accept
 * decision on its row (acceptedFromRow), and the dispatcher's latest claim (decided at dispatch + claimed)
 * and its `sent` come from the row's own columns too.
 */
export function presentTimeline(events: TMessageEventDbRow[], row?: TMessageDbRow): TTimelineEntry[] {
  const out: TTimelineEntry[] = [];
  const all = row && !events.some((e) => e.type === "accepted") ? [acceptedFromRow(row), ...events] : events;
  for (const e of all) {
    const at = isoOf(e.at) ?? "";
    const details = e.details ?? {};
    const reason = e.reason ?? undefined;
    if (e.type === "accepted") {
      out.push({ type: "accepted", at });
      const decided = decisionEntry(at, "accept", details.decision);
      if (decided) out.push(decided);
      if (details.status === "scheduled") {
        out.push({
          type: "scheduled",
          at,
          ...(reason ? { reason } : {}),
          ...(str(details.notBefore) ? { notBefore: str(details.notBefore) } : {}),
        });
      } else if (details.status === "suppressed") {
        out.push({ type: "suppressed", at, ...(reason ? { reason } : {}) });
      }
      continue;
    }
    if ((e.type === "suppressed" || e.type === "scheduled") && details.decision !== undefined) {
      const decided = decisionEntry(at, "dispatch", details.decision);
      if (decided) out.push(decided);
    }
    out.push({
      type: e.type,
      at,
      ...(reason ? { reason } : {}),
      ...(str(details.notBefore) ? { notBefore: str(details.notBefore) } : {}),
      ...(str(details.errorCode) ? { errorCode: str(details.errorCode) } : {}),
      ...(str(details.errorMessage) ? { errorMessage: str(details.errorMessage) } : {}),
    });
  }
  const claimedAt = row ? isoOf(row.claimed_at) : null;
  if (row && claimedAt) {
    out.push({
      type: "decided",
      at: claimedAt,
      stage: "dispatch",
      allowed: true,
      ledgerEntryIds: row.decision_ledger_ids ?? [],
      ...(row.dispatch_reason ? { reason: row.dispatch_reason } : {}),
    });
    out.push({ type: "claimed", at: claimedAt });
  }
  // `sent` is on the row when our send recorded it; a message reconciled from `unknown` shows the
  // provider's statuses only. A delivery status can reach us before the send's answer: sent goes first.
  const sentAt = row ? isoOf(row.sent_at) : null;
  if (sentAt && !out.some((e) => e.type === "sent" || e.type === "unknown")) {
    const firstOutcome = out
      .filter(
        (e) => ["delivered", "read", "failed", "undelivered"].includes(e.type) && e.at >= (claimedAt ?? ""),
      )
      .map((e) => e.at)
      .sort()[0];
    out.push({ type: "sent", at: firstOutcome && firstOutcome < sentAt ? firstOutcome : sentAt });
  }
  return out
    .map((e, n) => ({ e, n }))
    .sort(
      (a, b) => a.e.at.localeCompare(b.e.at) || (order[a.e.type] ?? 3) - (order[b.e.type] ?? 3) || a.n - b.n,
    )
    .map((x) => x.e);
}

export function openContent(keys: TWorkspaceKeys, row: TMessageDbRow): TMessageContent {
  return JSON.parse(decryptField(keys, row.workspace_id, row.content_sealed)) as TMessageContent;
}

export function presentMessage(
  keys: TWorkspaceKeys,
  row: TMessageDbRow,
  events?: TMessageEventDbRow[],
): TMessageJson {
  const content = openContent(keys, row);
  return {
    id: row.id,
    status: row.status,
    reason: row.reason,
    channel: row.channel,
    category: row.category,
    source: row.source,
    brandId: row.brand_id,
    campaignId: row.campaign_id,
    contactId: row.contact_id,
    channelAccountId: row.channel_account_id,
    ...(content.to !== undefined ? { to: content.to } : {}),
    ...(content.body !== undefined ? { body: content.body } : {}),
    ...(content.media !== undefined ? { media: content.media } : {}),
    ...(content.template !== undefined ? { template: content.template } : {}),
    ...(content.metadata !== undefined ? { metadata: content.metadata } : {}),
    ...(content.tag !== undefined ? { tag: content.tag } : {}),
    segments: row.segments,
    attempts: row.attempts,
    providerMessageId:
      row.provider_message_id ??
      (row.provider_message_sealed
        ? decryptField(keys, row.workspace_id, row.provider_message_sealed)
        : null),
    errorCode: row.error_code,
    errorMessage: row.error_message,
    ledgerEntryIds: row.decision_ledger_ids ?? [],
    notBefore: isoOf(row.not_before),
    createdAt: isoOf(row.created_at) ?? "",
    updatedAt: isoOf(row.updated_at) ?? "",
    sentAt: isoOf(row.sent_at),
    deliveredAt: isoOf(row.delivered_at),
    readAt: isoOf(row.read_at),
    ...(events !== undefined ? { timeline: presentTimeline(events, row) } : {}),
  };
}
