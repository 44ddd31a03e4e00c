/** Every event a subscription can receive (the cross-module contract). */
export const webhookEventTypes = [
  "message.queued",
  "message.scheduled",
  "message.suppressed",
  "message.sending",
  "message.sent",
  "message.delivered",
  "message.read",
  "message.failed",
  "message.undelivered",
  "message.unknown",
  "message.inbound",
  "contact.opted_out",
  "contact.opted_in",
] as const;

export type TWebhookEventType = (typeof webhookEventTypes)[number];

/** What a subscription lists: event types, or `*` for all of them (including types added later). */
export type TWebhookEventSelector = TWebhookEventType | "*";

/** One event as emitted by messaging and inbound. */
export interface TWebhookEventInput {
  workspaceId: string;
  type: TWebhookEventType;
  /** Ids, statuses, reasons and times; message bodies only for message.inbound. */
  data: Record<string, unknown>;
  at?: Date;
}

export function selectorMatches(selectors: readonly string[], type: string): boolean {
  return selectors.includes("*") || selectors.includes(type);
}
