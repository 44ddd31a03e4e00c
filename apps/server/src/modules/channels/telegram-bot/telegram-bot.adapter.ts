import type {
  TAdapterDeps,
  TChannelAdapter,
  TInboundMedia,
  TNormalizedEvent,
  TOutboundMessage,
  TSendResult,
} from "../channel-adapter.js";
import { ChannelError } from "../channel-error.js";
import { resolveDeps, type TResolvedDeps } from "../internal/deps.js";
import { classifyHttpStatus, type TErrorClass } from "../internal/errors.js";
import { callProvider, unreadableSuccess } from "../internal/http.js";
import { invalidPayload, parseJsonBody, parseOutbound, parseWith } from "../internal/json.js";
import { mediaKind, type TMediaKind } from "../internal/media.js";
import { providerTime } from "../internal/provider-time.js";
import { redactProviderText } from "../internal/redact.js";
import { getHeader, safeEqualSecret } from "../internal/signatures.js";
import {
  type TTelegramBotCredentials,
  type TTelegramMessage,
  type TTelegramUpdate,
  ZTelegramErrorResponse,
  ZTelegramSendResponse,
  ZTelegramUpdate,
} from "./telegram-bot.payloads.js";

export const telegramBotDefaults = { baseUrl: "https://api.telegram.org" } as const;

const provider = "Telegram Bot API";
const maxTextLength = 4096;
const maxCaptionLength = 1024;

const blockedDescriptions =
  /bot was blocked by the user|user is deactivated|bot can't initiate conversation|bot was kicked|bot is not a member/i;
const unknownChatDescriptions = /chat not found|user not found|PEER_ID_INVALID|chat_id is empty/i;

/** Bot API `error_code` + description → our codes. */
export function classifyTelegramError(errorCode: number, description: string): TErrorClass {
  if (errorCode === 403 && blockedDescriptions.test(description)) return { code: "RECIPIENT_BLOCKED" };
  if (errorCode === 400 && unknownChatDescriptions.test(description)) return { code: "INVALID_RECIPIENT" };
  if (errorCode === 401 || errorCode === 404) return { code: "AUTH_FAILED" };
  return classifyHttpStatus(errorCode);
}

export interface TTelegramCall {
  method: string;
  payload: Record<string, unknown>;
}

const singleMethod: Record<TMediaKind, { method: string; field: string }> = {
  image: { method: "sendPhoto", field: "photo" },
  video: { method: "sendVideo", field: "video" },
  audio: { method: "sendAudio", field: "audio" },
  document: { method: "sendDocument", field: "document" },
};
const groupType: Record<TMediaKind, string> = {
  image: "photo",
  video: "video",
  audio: "audio",
  document: "document",
};

function checkCaption(caption: string | undefined): void {
  if (caption !== undefined && caption.length > maxCaptionLength) {
    throw invalidPayload(`${provider}: caption longer than ${maxCaptionLength} characters`);
  }
}

/** Chooses the Bot API method and its JSON body; chat ids stay strings (the API accepts both). */
export function buildTelegramCall(message: TOutboundMessage): TTelegramCall {
  if (message.template !== undefined) throw invalidPayload(`${provider}: Telegram has no message templates`);
  const base: Record<string, unknown> = {
    chat_id: message.to,
    ...(message.businessConnectionId === undefined
      ? {}
      : { business_connection_id: message.businessConnectionId }),
  };
  const body = message.body === "" ? undefined : message.body;
  const media = message.media ?? [];
  const first = media[0];
  if (first === undefined) {
    const text = body ?? "";
    if (text.length > maxTextLength)
      throw invalidPayload(`${provider}: text longer than ${maxTextLength} characters`);
    return { method: "sendMessage", payload: { ...base, text } };
  }
  if (media.length === 1) {
    const { method, field } = singleMethod[mediaKind(first)];
    const caption = first.caption ?? body;
    checkCaption(caption);
    return {
      method,
      payload: { ...base, [field]: first.url, ...(caption === undefined ? {} : { caption }) },
    };
  }
  if (media.length > 10) throw invalidPayload(`${provider}: at most 10 media items in an album`);
  const kinds = new Set(media.map((item) => mediaKind(item)));
  const mixesExclusive = (kinds.has("audio") || kinds.has("document")) && kinds.size > 1;
  if (mixesExclusive)
    throw invalidPayload(`${provider}: audio and documents cannot be mixed with other media`);
  const items = media.map((item, index) => {
    const caption = item.caption ?? (index === 0 ? body : undefined);
    checkCaption(caption);
    return {
      type: groupType[mediaKind(item)],
      media: item.url,
      ...(caption === undefined ? {} : { caption }),
    };
  });
  return { method: "sendMediaGroup", payload: { ...base, media: items } };
}

function telegramError(status: number, json: unknown): ChannelError {
  const parsed = ZTelegramErrorResponse.safeParse(json);
  const errorCode = parsed.success ? parsed.data.error_code : status;
  const description = parsed.success ? (parsed.data.description ?? "") : "";
  const chosen = classifyTelegramError(errorCode, description);
  const retryAfter = parsed.success ? parsed.data.parameters?.retry_after : undefined;
  const detail = redactProviderText(description);
  return new ChannelError(chosen.code, {
    message: `${provider}: HTTP ${status}${detail ? `: ${detail}` : ""}`,
    providerStatus: status,
    providerCode: String(errorCode),
    ...(retryAfter === undefined ? {} : { retryAfterMs: Math.round(retryAfter * 1000) }),
  });
}

async function sendTelegram(
  credentials: TTelegramBotCredentials,
  deps: TResolvedDeps,
  message: TOutboundMessage,
): Promise<TSendResult> {
  const call = buildTelegramCall(parseOutbound(message));
  const response = await callProvider({
    fetch: deps.fetch,
    url: `${deps.baseUrl}/bot${credentials.botToken}/${call.method}`,
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(call.payload),
    timeoutMs: deps.timeoutMs,
    provider,
  });
  if (response.status < 200 || response.status >= 300) throw telegramError(response.status, response.json);
  const parsed = ZTelegramSendResponse.safeParse(response.json);
  if (!parsed.success) throw unreadableSuccess(provider, response.status);
  const result = parsed.data.result;
  const sent = Array.isArray(result) ? result[0] : result;
  if (sent === undefined) throw unreadableSuccess(provider, response.status);
  // The message id within the recipient's chat: the chat id is the user's id, a personal identifier the
  // caller already holds as the recipient, so it is not repeated in an id that is stored as it is.
  return { providerMessageId: String(sent.message_id), acceptedAt: deps.clock() };
}

function fileRef(fileId: string, contentType: string | undefined): TInboundMedia {
  return { url: `telegram-file:${fileId}`, providerMediaId: fileId, ...(contentType ? { contentType } : {}) };
}

function messageMedia(message: TTelegramMessage): TInboundMedia[] {
  const largestPhoto = message.photo?.at(-1);
  if (largestPhoto !== undefined) return [fileRef(largestPhoto.file_id, "image/jpeg")];
  for (const file of [message.document, message.video, message.audio, message.voice]) {
    if (file !== undefined) return [fileRef(file.file_id, file.mime_type)];
  }
  return [];
}

/** Telegram's Unix seconds, bounded to a sane time (else the time of receipt). */
function unixSeconds(seconds: number, now: Date): Date {
  return providerTime(seconds * 1000, now);
}

/**
 * A business chat carries both sides of the conversation: the customer's messages, and the business's
 * own: typed by the business account (in a private chat `from` is then not the chat's user) or sent on
 * its behalf by a bot (`sender_business_bot`). Those are not the customer's words.
 */
function sentByBusiness(message: TTelegramMessage): boolean {
  if (message.sender_business_bot !== undefined) return true;
  return message.chat.type === "private" && message.from !== undefined && message.from.id !== message.chat.id;
}

function inboundEvent(
  message: TTelegramMessage,
  botId: string,
  business: boolean,
  now: Date,
): TNormalizedEvent {
  const chatId = String(message.chat.id);
  // Message ids count per chat: the chat id (the user's id) makes the dedupe key unique, which is why the
  // key is only ever stored as a keyed hash; the provider message id is the id within the chat.
  const providerMessageId = String(message.message_id);
  const key = `${chatId}:${providerMessageId}`;
  const media = messageMedia(message);
  const body = message.text ?? message.caption ?? "";
  const connection = business ? message.business_connection_id : undefined;
  const profileName = [message.from?.first_name, message.from?.last_name].filter(Boolean).join(" ");
  return {
    kind: "inbound_message",
    // Business chats are keyed by the user's id; the connection id keeps two businesses apart.
    dedupeKey: connection === undefined ? key : `${connection}:${key}`,
    providerMessageId,
    from: chatId,
    to: botId,
    body,
    receivedAt: unixSeconds(message.date, now),
    ...(media.length > 0 ? { media } : {}),
    ...(body === "" && media.length === 0 ? { raw: message } : {}),
    ...(profileName === "" ? {} : { profileName }),
    ...(connection === undefined ? {} : { businessConnectionId: connection }),
    ...(message.reply_to_message === undefined
      ? {}
      : { replyToProviderMessageId: String(message.reply_to_message.message_id) }),
  };
}

const blockedStatuses = new Set(["kicked", "left"]);
const memberStatuses = new Set(["member", "administrator", "creator"]);

function updateEvents(update: TTelegramUpdate, botId: string, now: Date): TNormalizedEvent[] {
  const dedupeKey = `update:${update.update_id}`;
  if (update.message !== undefined) return [inboundEvent(update.message, botId, false, now)];
  if (update.business_message !== undefined) {
    // The business's own messages (owner-typed, or a bot's on its behalf) are acknowledged and dropped.
    if (sentByBusiness(update.business_message)) return [];
    return [inboundEvent(update.business_message, botId, true, now)];
  }
  if (update.my_chat_member !== undefined) {
    const change = update.my_chat_member;
    const at = unixSeconds(change.date, now);
    const from = String(change.chat.id);
    const was = change.old_chat_member.status;
    const is = change.new_chat_member.status;
    if (blockedStatuses.has(is) && !blockedStatuses.has(was))
      return [{ kind: "blocked", dedupeKey, from, at }];
    if (memberStatuses.has(is) && !memberStatuses.has(was))
      return [{ kind: "unblocked", dedupeKey, from, at }];
    return [];
  }
  if (update.business_connection !== undefined) {
    const connection = update.business_connection;
    return [
      {
        kind: "business_connection",
        dedupeKey,
        businessConnectionId: connection.id,
        from: String(connection.user_chat_id),
        enabled: connection.is_enabled,
        canReply: connection.rights?.can_reply ?? connection.can_reply ?? false,
        at: unixSeconds(connection.date, now),
      },
    ];
  }
  if (update.callback_query !== undefined) {
    const query = update.callback_query;
    const data = query.data ?? "";
    return [
      {
        kind: "inbound_message",
        dedupeKey: `callback:${query.id}`,
        providerMessageId: `callback:${query.id}`,
        from: String(query.message?.chat.id ?? query.from.id),
        to: botId,
        body: data,
        ...(query.data === undefined ? {} : { buttonPayload: query.data }),
        receivedAt: now,
        ...(query.message === undefined
          ? {}
          : { replyToProviderMessageId: String(query.message.message_id) }),
      },
    ];
  }
  // edited_message, channel_post, poll, … are not messaging events for us.
  return [];
}

export function parseTelegramWebhook(rawBody: Buffer, botId: string, now: Date): TNormalizedEvent[] {
  const update = parseWith(ZTelegramUpdate, parseJsonBody(rawBody), "Telegram update");
  return updateEvents(update, botId, now);
}

export function createTelegramBotAdapter(
  credentials: TTelegramBotCredentials,
  deps: TAdapterDeps = {},
): TChannelAdapter {
  const resolved = resolveDeps(deps, telegramBotDefaults.baseUrl);
  // The part of the token before ":" is the bot's public user id.
  const botId = credentials.botToken.slice(0, credentials.botToken.indexOf(":"));
  return {
    providerId: "telegram-bot",
    channel: "telegram",
    idempotentSends: false,
    send: (message) => sendTelegram(credentials, resolved, message),
    verifyWebhook: (input) => {
      const token = getHeader(input.headers, "x-telegram-bot-api-secret-token");
      return token !== undefined && safeEqualSecret(token, credentials.webhookSecret);
    },
    parseWebhook: (input) => parseTelegramWebhook(input.rawBody, botId, resolved.clock()),
  };
}
