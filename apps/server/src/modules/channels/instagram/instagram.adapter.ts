import type {
  TAdapterDeps,
  TChannelAdapter,
  TInboundMedia,
  TNormalizedEvent,
  TOutboundMessage,
  TSendResult,
} from "../channel-adapter.js";
import { resolveDeps, type TResolvedDeps } from "../internal/deps.js";
import type { TErrorClass } from "../internal/errors.js";
import { unreadableSuccess } from "../internal/http.js";
import { invalidPayload, parseJsonBody, parseOutbound, parseWith } from "../internal/json.js";
import { mediaKind, type TMediaKind } from "../internal/media.js";
import { postGraphMessages } from "../internal/post-graph-messages.js";
import { providerTime } from "../internal/provider-time.js";
import { verifyMetaHandshake } from "../internal/verify-meta-handshake.js";
import { verifyMetaSignature } from "../internal/verify-meta-signature.js";
import {
  type TInstagramCredentials,
  type TInstagramMessaging,
  ZInstagramSendResponse,
  ZInstagramWebhook,
} from "./instagram.payloads.js";

export const instagramDefaults = { baseUrl: "https://graph.instagram.com", apiVersion: "v23.0" } as const;

const provider = "Instagram Messaging API";
const maxTextLength = 1000;

/** Graph/Messenger-platform error codes (code, subcode) → our codes. */
export function classifyInstagramError(code: number, subcode: number | undefined): TErrorClass | undefined {
  if (code === 10 && (subcode === 2018278 || subcode === 2018065)) return { code: "OUTSIDE_WINDOW" };
  if (code === 100 && subcode === 2018001) return { code: "INVALID_RECIPIENT" };
  if (code === 551) return { code: "RECIPIENT_BLOCKED" };
  if (code === 4 || code === 17 || code === 32 || code === 613) return { code: "RATE_LIMITED" };
  if (code === 190 || code === 10 || (code >= 200 && code <= 299)) return { code: "AUTH_FAILED" };
  if (code === 1 || code === 2) return { code: "UNAVAILABLE" };
  return undefined;
}

const attachmentType: Record<TMediaKind, string> = {
  image: "image",
  video: "video",
  audio: "audio",
  document: "file",
};

/** The JSON body of `POST /{version}/{ig-id}/messages`: text or one attachment per message. */
export function buildInstagramRequest(message: TOutboundMessage): Record<string, unknown> {
  if (message.template !== undefined) throw invalidPayload(`${provider}: Instagram has no message templates`);
  const media = message.media ?? [];
  const body = message.body === "" ? undefined : message.body;
  if (media.length > 1 || (media.length === 1 && body !== undefined)) {
    throw invalidPayload(`${provider}: send text and each attachment as separate messages`);
  }
  const first = media[0];
  let content: Record<string, unknown>;
  if (first !== undefined) {
    content = { attachment: { type: attachmentType[mediaKind(first)], payload: { url: first.url } } };
  } else {
    const text = body ?? "";
    if (text.length > maxTextLength)
      throw invalidPayload(`${provider}: text longer than ${maxTextLength} characters`);
    content = { text };
  }
  return {
    recipient: { id: message.to },
    message: content,
    ...(message.humanAgentTag === true ? { messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT" } : {}),
  };
}

async function sendInstagram(
  credentials: TInstagramCredentials,
  deps: TResolvedDeps,
  apiVersion: string,
  message: TOutboundMessage,
): Promise<TSendResult> {
  const response = await postGraphMessages({
    deps,
    apiVersion,
    senderId: credentials.igId,
    accessToken: credentials.accessToken,
    body: buildInstagramRequest(parseOutbound(message)),
    provider,
    classify: classifyInstagramError,
  });
  const parsed = ZInstagramSendResponse.safeParse(response.json);
  if (!parsed.success) throw unreadableSuccess(provider, response.status);
  return { providerMessageId: parsed.data.message_id, acceptedAt: deps.clock() };
}

const attachmentContentType: Record<string, string> = {
  image: "image/*",
  video: "video/*",
  audio: "audio/*",
};

/**
 * One `messaging` item of the entry of our account `accountAddress`. Instagram timestamps are Unix
 * milliseconds; one outside a sane range becomes the time of receipt `now`.
 */
function messagingEvent(
  item: TInstagramMessaging,
  accountAddress: string,
  now: Date,
): TNormalizedEvent | undefined {
  const at = providerTime(item.timestamp, now);
  const from = item.sender.id;
  const to = item.recipient.id;
  if (item.message !== undefined) {
    const message = item.message;
    // Echoes are our own outbound messages; deletions are not new messages.
    if (message.is_echo === true || message.is_deleted === true) return undefined;
    const media: TInboundMedia[] = [];
    for (const attachment of message.attachments ?? []) {
      const url = attachment.payload?.url;
      if (url === undefined || url === "") continue;
      const contentType = attachmentContentType[attachment.type];
      media.push({ url, ...(contentType === undefined ? {} : { contentType }) });
    }
    const body = message.text ?? "";
    return {
      kind: "inbound_message",
      dedupeKey: message.mid,
      providerMessageId: message.mid,
      from,
      to,
      accountAddress,
      body,
      receivedAt: at,
      ...(media.length > 0 ? { media } : {}),
      ...(message.quick_reply === undefined ? {} : { buttonPayload: message.quick_reply.payload }),
      ...(message.reply_to?.mid === undefined ? {} : { replyToProviderMessageId: message.reply_to.mid }),
      ...(body === "" && media.length === 0 ? { raw: message } : {}),
    };
  }
  if (item.postback !== undefined) {
    const postback = item.postback;
    // An empty mid would be an empty dedupe key: fall back as when it is absent.
    const id =
      postback.mid !== undefined && postback.mid !== "" ? postback.mid : `postback:${from}:${item.timestamp}`;
    return {
      kind: "inbound_message",
      dedupeKey: id,
      providerMessageId: id,
      from,
      to,
      accountAddress,
      body: postback.title ?? "",
      buttonPayload: postback.payload,
      receivedAt: at,
    };
  }
  if (item.read !== undefined) {
    return {
      kind: "status",
      dedupeKey: `${item.read.mid}:read`,
      providerMessageId: item.read.mid,
      status: "read",
      at,
      recipient: from,
      accountAddress,
    };
  }
  // Reactions, referrals, opt-ins: not messaging events for us.
  return undefined;
}

/** Every event is tagged with its own entry's id (`accountAddress`): one body may carry several accounts. */
export function parseInstagramWebhook(rawBody: Buffer, now: Date): TNormalizedEvent[] {
  const envelope = parseWith(ZInstagramWebhook, parseJsonBody(rawBody), "Instagram webhook");
  const events: TNormalizedEvent[] = [];
  for (const entry of envelope.entry) {
    for (const item of entry.messaging ?? []) {
      const event = messagingEvent(item, entry.id, now);
      if (event !== undefined) events.push(event);
    }
  }
  return events;
}

export function createInstagramAdapter(
  credentials: TInstagramCredentials,
  deps: TAdapterDeps = {},
): TChannelAdapter {
  const resolved = resolveDeps(deps, instagramDefaults.baseUrl);
  const apiVersion = credentials.apiVersion ?? instagramDefaults.apiVersion;
  return {
    providerId: "instagram",
    channel: "instagram",
    idempotentSends: false,
    send: (message) => sendInstagram(credentials, resolved, apiVersion, message),
    verifyWebhook: (input) => verifyMetaSignature(credentials.appSecret, input),
    parseWebhook: (input) => parseInstagramWebhook(input.rawBody, resolved.clock()),
    verifyHandshake: (query) => verifyMetaHandshake(credentials.verifyToken, query),
  };
}
