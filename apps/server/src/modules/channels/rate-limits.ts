export interface TRateLimit {
  /** Sustained sends per second per sender (number, bot or account). */
  perSecond: number;
  /** Sustained sends per second to one recipient from one sender. */
  perRecipientPerSecond?: number;
  /** What `perSecond` counts: messages (default) or SMS segments (Twilio). */
  unit?: "message" | "segment";
}

export type TRateLimitKey =
  | "whatsapp-cloud"
  | "whatsapp-cloud:coexistence"
  | "twilio"
  | "twilio:long-code"
  | "twilio:toll-free"
  | "twilio:short-code"
  | "telegram-bot"
  | "instagram"
  | "instagram:media"
  | "sandbox"
  | "fake";

/**
 * Documented default throughput per provider (keys: provider id, or `provider:variant`). Providers
 * raise some of these per account (WhatsApp tiers up to 1,000/s, 10DLC per campaign); the dispatcher
 * should let a channel account override them.
 */
export const defaultRateLimits: Readonly<Record<TRateLimitKey, TRateLimit>> = {
  /** 80 msg/s per registered number (in + out); pair rate about 1 per 6 s (error 131056). */
  "whatsapp-cloud": { perSecond: 80, perRecipientPerSecond: 1 / 6 },
  /** Numbers shared with the WhatsApp Business app are fixed at 20 msg/s. */
  "whatsapp-cloud:coexistence": { perSecond: 20, perRecipientPerSecond: 1 / 6 },
  /** Twilio default = long code. */
  twilio: { perSecond: 1, unit: "segment" },
  "twilio:long-code": { perSecond: 1, unit: "segment" },
  "twilio:toll-free": { perSecond: 3, unit: "segment" },
  "twilio:short-code": { perSecond: 100, unit: "segment" },
  /** About 30 msg/s per bot for bulk; avoid more than 1 msg/s in one chat. */
  "telegram-bot": { perSecond: 30, perRecipientPerSecond: 1 },
  /** Send API: 300 calls/s per professional account for text, links, reactions, stickers. */
  instagram: { perSecond: 300 },
  /** Audio and video attachments: 10/s. */
  "instagram:media": { perSecond: 10 },
  sandbox: { perSecond: 1_000 },
  fake: { perSecond: 1_000_000 },
};
