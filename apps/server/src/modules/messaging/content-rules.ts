import type { TChannel } from "../channels/index.js";
import type { TMessageTag } from "./messaging.types.js";

/** Per-channel content limits checked at accept time (the provider's own limits). */
export const contentRules: Record<TChannel, { maxBody: number; maxMedia: number; templates: boolean }> = {
  sms: { maxBody: 1600, maxMedia: 10, templates: true },
  whatsapp: { maxBody: 4096, maxMedia: 1, templates: true },
  telegram: { maxBody: 4096, maxMedia: 1, templates: false },
  instagram: { maxBody: 1000, maxMedia: 1, templates: false },
  sandbox: { maxBody: 4096, maxMedia: 10, templates: true },
};

/** Channels with a 24-hour customer-service window for free-form (non-template) messages. */
export const windowedChannels: ReadonlySet<TChannel> = new Set(["whatsapp", "instagram"]);

/** How long an inbound message keeps the customer-service window open. */
export const customerWindowMs = 24 * 60 * 60 * 1000;

/**
 * Instagram's HUMAN_AGENT tag: a human agent may reply up to 7 days after the contact's last inbound
 * message (Meta's rule; the tag needs Meta's approval of the Human Agent permission).
 */
export const humanAgentWindowMs = 7 * 24 * 60 * 60 * 1000;

/** How long after the last inbound message a free-form message with this tag may be sent. */
export function customerWindowMsOf(tag: TMessageTag | undefined): number {
  return tag === "human_agent" ? humanAgentWindowMs : customerWindowMs;
}

/** The channels a tag may be sent on. */
export const tagChannels: Record<TMessageTag, TChannel> = { human_agent: "instagram" };
