import { z } from "zod";

/**
 * The credential fields every Meta (Graph) channel account has, in this order after the sender's id.
 * Spread `.shape` into the provider's own object.
 */
export const ZMetaAppCredentials = z.object({
  /** Access token with the product's messaging permission (whatsapp_business_messaging, instagram_business_manage_messages). */
  accessToken: z.string().min(1),
  /** The Meta app secret; keys X-Hub-Signature-256. */
  appSecret: z.string().min(1),
  /** Our token for the GET verification handshake. */
  verifyToken: z.string().min(1),
  /** Graph API version, e.g. "v23.0". */
  apiVersion: z
    .string()
    .regex(/^v\d+\.\d+$/)
    .optional(),
});
