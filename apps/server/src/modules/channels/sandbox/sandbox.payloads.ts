import { z } from "zod";

/** Channel account credentials for the sandbox channel. */
export const ZSandboxCredentials = z.object({
  /** Per-account secret that signs sandbox webhooks (X-Assent-Signature); at least 16 characters. */
  webhookSecret: z.string().min(16),
});
export type TSandboxCredentials = z.infer<typeof ZSandboxCredentials>;

const ZAddress = z.string().min(1).max(256);
const ZTimestamp = z.iso.datetime({ offset: true }).optional();

/**
 * Sandbox webhook body: simulated inbound traffic and delivery reports, in our own format.
 * `{"events":[{"type":"message","id":"m1","from":"+15550001","body":"STOP"}]}`
 */
export const ZSandboxWebhook = z.object({
  events: z
    .array(
      z.discriminatedUnion("type", [
        z.object({
          type: z.literal("message"),
          id: z.string().min(1).max(256),
          from: ZAddress,
          to: ZAddress.optional(),
          body: z.string().max(4096),
          media: z
            .array(z.object({ url: z.string().min(1), contentType: z.string().optional() }))
            .max(10)
            .optional(),
          profileName: z.string().max(256).optional(),
          buttonPayload: z.string().max(1024).optional(),
          timestamp: ZTimestamp,
        }),
        z.object({
          type: z.literal("status"),
          /** The providerMessageId our send returned. */
          providerMessageId: z.string().min(1).max(600),
          status: z.enum(["sent", "delivered", "read", "failed", "undelivered"]),
          errorCode: z.string().max(64).optional(),
          errorMessage: z.string().max(256).optional(),
          timestamp: ZTimestamp,
        }),
        z.object({
          type: z.literal("preference"),
          from: ZAddress,
          value: z.enum(["stop", "resume"]),
          timestamp: ZTimestamp,
        }),
        z.object({ type: z.enum(["blocked", "unblocked"]), from: ZAddress, timestamp: ZTimestamp }),
      ]),
    )
    .max(1000),
});
export type TSandboxWebhook = z.infer<typeof ZSandboxWebhook>;
