import { z } from "zod";
import { ZMetaAppCredentials } from "../internal/meta-credentials.js";

/** Unix seconds, as a string (Meta's usual form) or a number. */
export const ZUnixSeconds = z.union([
  z.string().regex(/^\d{1,12}$/),
  z.number().int().nonnegative().max(1e12),
]);

/** Channel account credentials for WhatsApp Cloud API. */
export const ZWhatsAppCloudCredentials = z.object({
  /** The business phone number id (not the phone number). Route webhooks on it. */
  phoneNumberId: z.string().regex(/^\d{1,32}$/),
  // accessToken (a system-user or user token with whatsapp_business_messaging), appSecret, verifyToken, apiVersion.
  ...ZMetaAppCredentials.shape,
});
export type TWhatsAppCloudCredentials = z.infer<typeof ZWhatsAppCloudCredentials>;

// ---- Send API -------------------------------------------------------------------------------

export const ZWhatsAppSendResponse = z.object({
  messaging_product: z.literal("whatsapp").optional(),
  contacts: z
    .array(
      z.object({
        input: z.string().optional(),
        wa_id: z.string().optional(),
        user_id: z.string().optional(),
      }),
    )
    .optional(),
  messages: z.array(z.object({ id: z.string().min(1), message_status: z.string().optional() })).min(1),
});

// ---- Webhooks -------------------------------------------------------------------------------

export const ZWhatsAppContact = z.object({
  profile: z.object({ name: z.string().optional() }).optional(),
  wa_id: z.string().optional(),
  user_id: z.string().optional(),
});
export type TWhatsAppContact = z.infer<typeof ZWhatsAppContact>;

const ZWhatsAppMedia = z.object({
  id: z.string().min(1),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
});

/** Loose: unknown keys (location, contacts, reaction, …) survive for `raw`. */
export const ZWhatsAppInboundMessage = z.looseObject({
  /** wa_id of the sender; "" (or absent) when the user has a username and only from_user_id is set. */
  from: z.string().optional(),
  /** BSUID of the sender; `from` may be "" when the user has a username. */
  from_user_id: z.string().optional(),
  id: z.string().min(1),
  timestamp: ZUnixSeconds,
  type: z.string().min(1),
  text: z.object({ body: z.string() }).optional(),
  /** Template quick-reply tap (e.g. "Stop promotions"). */
  button: z.object({ payload: z.string().optional(), text: z.string() }).optional(),
  interactive: z
    .object({
      type: z.string(),
      button_reply: z.object({ id: z.string(), title: z.string() }).optional(),
      list_reply: z
        .object({ id: z.string(), title: z.string(), description: z.string().optional() })
        .optional(),
    })
    .optional(),
  image: ZWhatsAppMedia.optional(),
  video: ZWhatsAppMedia.optional(),
  audio: ZWhatsAppMedia.optional(),
  document: ZWhatsAppMedia.optional(),
  sticker: ZWhatsAppMedia.optional(),
  context: z.object({ from: z.string().optional(), id: z.string().optional() }).optional(),
});
export type TWhatsAppInboundMessage = z.infer<typeof ZWhatsAppInboundMessage>;

export const ZWhatsAppStatus = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  timestamp: ZUnixSeconds,
  recipient_id: z.string().optional(),
  recipient_user_id: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  errors: z
    .array(
      z.object({
        code: z.number().int(),
        title: z.string().optional(),
        message: z.string().optional(),
        error_data: z.object({ details: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});
export type TWhatsAppStatus = z.infer<typeof ZWhatsAppStatus>;

const ZMetadata = z.object({
  display_phone_number: z.string().optional(),
  phone_number_id: z.string().min(1),
});

export const ZWhatsAppMessagesValue = z.object({
  messaging_product: z.literal("whatsapp"),
  metadata: ZMetadata,
  contacts: z.array(ZWhatsAppContact).optional(),
  messages: z.array(ZWhatsAppInboundMessage).optional(),
  statuses: z.array(ZWhatsAppStatus).optional(),
});
export type TWhatsAppMessagesValue = z.infer<typeof ZWhatsAppMessagesValue>;

export const ZWhatsAppUserPreferencesValue = z.object({
  messaging_product: z.literal("whatsapp").optional(),
  metadata: ZMetadata.optional(),
  contacts: z.array(ZWhatsAppContact).optional(),
  user_preferences: z.array(
    z.object({
      wa_id: z.string().optional(),
      user_id: z.string().optional(),
      detail: z.string().optional(),
      category: z.string(),
      value: z.string(),
      timestamp: ZUnixSeconds,
    }),
  ),
});
export type TWhatsAppUserPreferencesValue = z.infer<typeof ZWhatsAppUserPreferencesValue>;

export const ZWhatsAppWebhook = z.object({
  object: z.literal("whatsapp_business_account"),
  entry: z.array(
    z.object({
      id: z.string(),
      changes: z.array(z.object({ field: z.string(), value: z.unknown() })),
    }),
  ),
});
