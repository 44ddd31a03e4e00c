import { sql } from "drizzle-orm";
import type { TChannel, TProviderId } from "../channels/index.js";
import type { TChannelAccountRow } from "./messaging.types.js";

/** The columns every channel-account read selects (credentials excluded). */
export const channelAccountColumns = sql.raw(
  "id, workspace_id, brand_id, channel, provider_id, name, address, messaging_service_sid, default_campaign_id, " +
    "rate_per_second, rate_per_recipient, rate_unit, status, created_at",
);

export interface TChannelAccountDbRow {
  id: string;
  workspace_id: string;
  brand_id: string;
  channel: string;
  provider_id: string;
  name: string;
  address: string | null;
  messaging_service_sid: string | null;
  default_campaign_id: string | null;
  rate_per_second: number | string;
  rate_per_recipient: number | string | null;
  rate_unit: string;
  status: string;
  created_at: Date | string;
}

export function toChannelAccount(r: TChannelAccountDbRow): TChannelAccountRow {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    brandId: r.brand_id,
    channel: r.channel as TChannel,
    providerId: r.provider_id as TProviderId,
    name: r.name,
    address: r.address,
    messagingServiceSid: r.messaging_service_sid,
    defaultCampaignId: r.default_campaign_id,
    ratePerSecond: Number(r.rate_per_second),
    ratePerRecipient: r.rate_per_recipient === null ? null : Number(r.rate_per_recipient),
    rateUnit: r.rate_unit === "segment" ? "segment" : "message",
    status: r.status === "disabled" ? "disabled" : "active",
    createdAt: r.created_at instanceof Date ? r.created_at : new Date(r.created_at),
  };
}
