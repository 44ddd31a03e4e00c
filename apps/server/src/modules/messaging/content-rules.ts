import type { TChannel } from "../channels/index.js";

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
