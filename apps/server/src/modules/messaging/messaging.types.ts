import type { TChannel, TProviderId } from "../channels/index.js";

/** Every status a message can be in. */
export const messageStatuses = [
  "queued",
  "scheduled",
  "sending",
  "sent",
  "delivered",
  "read",
  "failed",
  "undelivered",
  "suppressed",
  "unknown",
] as const;
export type TMessageStatus = (typeof messageStatuses)[number];

export const messageChannels = [
  "sms",
  "whatsapp",
  "telegram",
  "instagram",
  "sandbox",
] as const satisfies readonly TChannel[];
export const categories = ["marketing", "transactional", "authentication"] as const;
export type TMessageCategory = (typeof categories)[number];

/**
 * Message tags a send may carry. `human_agent`: Instagram's HUMAN_AGENT tag, a human agent's reply up to
 * 7 days after the contact's last inbound message (instead of 24 hours).
 */
export const messageTags = ["human_agent"] as const;
export type TMessageTag = (typeof messageTags)[number];

/** Where a message came from. */
export type TMessageSource = "api" | "twilio" | "compliance";

/** Delivery statuses a provider reports. */
export type TProviderStatus = "sent" | "delivered" | "read" | "failed" | "undelivered";

/**
 * How far along the delivery path a status is. A status event only moves a message forward, so an
 * out-of-order webhook (sent after delivered) is ignored.
 */
export const statusRank: Record<TMessageStatus, number> = {
  queued: 0,
  scheduled: 0,
  sending: 1,
  unknown: 1,
  sent: 2,
  delivered: 3,
  undelivered: 3,
  failed: 3,
  read: 4,
  suppressed: 5,
};

/** Message reasons that are not consent decisions (those come from the consent module). */
export type TPipelineReason =
  | "outside_session_window"
  | "channel_account_disabled"
  | "recipient_address_missing"
  | "recipient_unreachable"
  | "recipient_blocked"
  | "provider_rejected"
  | "retry_scheduled"
  | "lease_expired"
  | "compliance_reply"
  | "scheduled";

/** A channel account (sender) as the pipeline reads it; credentials stay sealed. */
export interface TChannelAccountRow {
  id: string;
  workspaceId: string;
  brandId: string;
  channel: TChannel;
  providerId: TProviderId;
  name: string;
  address: string | null;
  messagingServiceSid: string | null;
  defaultCampaignId: string | null;
  ratePerSecond: number;
  ratePerRecipient: number | null;
  rateUnit: "message" | "segment";
  status: "active" | "disabled";
  createdAt: Date;
}

/** Sealed message content: what the adapter needs to build the provider request. */
export interface TMessageContent {
  /** The recipient's address on the channel, fixed at accept time (sealed with the content). */
  to?: string;
  body?: string;
  media?: { url: string; contentType?: string; caption?: string }[];
  template?: {
    name: string;
    language: string;
    components?: Record<string, unknown>[];
    variables?: Record<string, string>;
  };
  metadata?: Record<string, string | number | boolean | null>;
  /** Instagram: sent with the HUMAN_AGENT tag (its window is 7 days instead of 24 hours). */
  tag?: TMessageTag;
}
