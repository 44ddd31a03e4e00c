import { z } from "zod";

/** Channel account credentials for a Telegram bot. */
export const ZTelegramBotCredentials = z.object({
  /** From @BotFather: `<bot id>:<secret>`. */
  botToken: z.string().regex(/^\d{1,20}:[A-Za-z0-9_-]{10,}$/),
  /** The `secret_token` given to setWebhook; echoed in X-Telegram-Bot-Api-Secret-Token. */
  webhookSecret: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/),
});
export type TTelegramBotCredentials = z.infer<typeof ZTelegramBotCredentials>;

/** Chat and user ids reach 52 significant bits: exact in a double, kept as strings by us. */
const ZTelegramId = z.number().int();
/** Unix seconds; bounded so that `new Date(date * 1000)` is always a valid date. */
const ZTelegramDate = z.number().int().nonnegative().max(1e11);

export const ZTelegramUser = z.object({
  id: ZTelegramId,
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
});

export const ZTelegramChat = z.object({ id: ZTelegramId, type: z.string() });

const ZTelegramFile = z.object({ file_id: z.string().min(1), mime_type: z.string().optional() });

/** Loose: unknown content (location, sticker, poll, …) survives for `raw`. */
export const ZTelegramMessage = z.looseObject({
  message_id: z.number().int(),
  from: ZTelegramUser.optional(),
  chat: ZTelegramChat,
  /** Business chats: the bot that sent this message on behalf of the business (an outgoing message). */
  sender_business_bot: ZTelegramUser.optional(),
  date: ZTelegramDate,
  business_connection_id: z.string().optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  photo: z.array(z.object({ file_id: z.string().min(1) })).optional(),
  document: ZTelegramFile.optional(),
  video: ZTelegramFile.optional(),
  audio: ZTelegramFile.optional(),
  voice: ZTelegramFile.optional(),
  reply_to_message: z.looseObject({ message_id: z.number().int() }).optional(),
});
export type TTelegramMessage = z.infer<typeof ZTelegramMessage>;

export const ZTelegramChatMemberUpdated = z.object({
  chat: ZTelegramChat,
  from: ZTelegramUser,
  date: ZTelegramDate,
  old_chat_member: z.object({ status: z.string() }),
  new_chat_member: z.object({ status: z.string() }),
});

export const ZTelegramBusinessConnection = z.object({
  id: z.string().min(1),
  user: ZTelegramUser,
  user_chat_id: ZTelegramId,
  date: ZTelegramDate,
  is_enabled: z.boolean(),
  /** Deprecated in Bot API 9.0, replaced by rights.can_reply. */
  can_reply: z.boolean().optional(),
  rights: z.looseObject({ can_reply: z.boolean().optional() }).optional(),
});

export const ZTelegramCallbackQuery = z.object({
  id: z.string().min(1),
  from: ZTelegramUser,
  message: z.looseObject({ message_id: z.number().int(), chat: ZTelegramChat }).optional(),
  data: z.string().optional(),
});

export const ZTelegramUpdate = z.object({
  update_id: z.number().int().nonnegative(),
  message: ZTelegramMessage.optional(),
  business_message: ZTelegramMessage.optional(),
  my_chat_member: ZTelegramChatMemberUpdated.optional(),
  business_connection: ZTelegramBusinessConnection.optional(),
  callback_query: ZTelegramCallbackQuery.optional(),
});
export type TTelegramUpdate = z.infer<typeof ZTelegramUpdate>;

// ---- Bot API replies ------------------------------------------------------------------------

const ZSentMessage = z.object({ message_id: z.number().int(), chat: z.object({ id: ZTelegramId }) });

export const ZTelegramSendResponse = z.object({
  ok: z.literal(true),
  /** A Message, or an array of them for sendMediaGroup. */
  result: z.union([ZSentMessage, z.array(ZSentMessage).min(1)]),
});

export const ZTelegramErrorResponse = z.object({
  ok: z.literal(false),
  error_code: z.number().int(),
  description: z.string().optional(),
  parameters: z.object({ retry_after: z.number().nonnegative().optional() }).optional(),
});
