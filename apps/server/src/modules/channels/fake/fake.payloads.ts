import { z } from "zod";
import { channelErrorCodes } from "../channel-error.js";

export const ZFakeFailure = z.object({
  code: z.enum(channelErrorCodes),
  retryable: z.boolean().optional(),
  providerCode: z.string().optional(),
  providerStatus: z.number().int().optional(),
  retryAfterMs: z.number().int().nonnegative().optional(),
  /** RATE_LIMITED on this recipient only (like WhatsApp's pair rate). */
  recipientScoped: z.boolean().optional(),
  /** The provider may have the message (a timeout after sending). */
  maybeSent: z.boolean().optional(),
  /** Fail this many sends, then succeed; absent = fail every time. */
  times: z.number().int().positive().optional(),
});
export type TFakeFailure = z.infer<typeof ZFakeFailure>;

/** "Credentials" of the fake provider: behaviour switches, no secrets needed. */
export const ZFakeCredentials = z.object({
  /** Which channel the fake pretends to be (default "sandbox"). */
  channel: z.enum(["whatsapp", "sms", "telegram", "instagram", "sandbox"]).optional(),
  /** Default true: the same messageId yields the same provider id and is recorded once. */
  idempotentSends: z.boolean().optional(),
  /** Enables webhook verification (same X-Assent-Signature scheme as the sandbox); absent = refuse all. */
  webhookSecret: z.string().min(1).optional(),
  /** Failures by recipient address; "*" matches every recipient. */
  failWith: z.record(z.string(), ZFakeFailure).optional(),
  /** Simulated provider latency per send, in ms. */
  latencyMs: z.number().int().nonnegative().max(60_000).optional(),
});
export type TFakeCredentials = z.infer<typeof ZFakeCredentials>;
