import { z } from "zod";
import { ZMetaAppCredentials } from "../internal/meta-credentials.js";

/** Channel account credentials for Instagram messaging (Instagram API with Instagram Login). */
export const ZInstagramCredentials = z.object({
  /** The Instagram professional account id (IG_ID) that sends. */
  igId: z.string().regex(/^\d{1,32}$/),
  // accessToken (an Instagram user token with instagram_business_manage_messages), appSecret, verifyToken, apiVersion.
  ...ZMetaAppCredentials.shape,
});
export type TInstagramCredentials = z.infer<typeof ZInstagramCredentials>;

export const ZInstagramSendResponse = z.object({
  recipient_id: z.string().optional(),
  message_id: z.string().min(1),
});

/** Ids are strings in Meta's examples; accept numbers too and keep strings. */
const ZId = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);

export const ZInstagramAttachment = z.object({
  type: z.string(),
  payload: z.looseObject({ url: z.string().optional() }).optional(),
});

/** Loose: reactions, story replies and other unknown keys survive for `raw`. */
export const ZInstagramMessage = z.looseObject({
  mid: z.string().min(1),
  text: z.string().optional(),
  is_echo: z.boolean().optional(),
  is_deleted: z.boolean().optional(),
  quick_reply: z.object({ payload: z.string() }).optional(),
  reply_to: z.looseObject({ mid: z.string().optional() }).optional(),
  attachments: z.array(ZInstagramAttachment).optional(),
});

export const ZInstagramMessaging = z.object({
  sender: z.object({ id: ZId }),
  recipient: z.object({ id: ZId }),
  /** Unix milliseconds; bounded so that it is always a valid date. */
  timestamp: z.number().int().nonnegative().max(1e14),
  message: ZInstagramMessage.optional(),
  postback: z
    .object({ mid: z.string().optional(), title: z.string().optional(), payload: z.string() })
    .optional(),
  read: z.object({ mid: z.string().min(1) }).optional(),
});
export type TInstagramMessaging = z.infer<typeof ZInstagramMessaging>;

export const ZInstagramWebhook = z.object({
  object: z.literal("instagram"),
  entry: z.array(
    z.object({
      id: ZId,
      time: z.number().optional(),
      messaging: z.array(ZInstagramMessaging).optional(),
    }),
  ),
});
