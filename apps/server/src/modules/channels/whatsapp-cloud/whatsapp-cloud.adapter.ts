import type {
  TAdapterDeps,
  TChannelAdapter,
  TDeliveryStatus,
  TInboundMedia,
  TNormalizedEvent,
  TOutboundMessage,
  TSendResult,
} from "../channel-adapter.js";
import type { ChannelError } from "../channel-error.js";
import { resolveDeps, type TResolvedDeps } from "../internal/deps.js";
import type { TErrorClass } from "../internal/errors.js";
import { unreadableSuccess } from "../internal/http.js";
import { invalidPayload, parseJsonBody, parseOutbound, parseWith } from "../internal/json.js";
import { mediaKind } from "../internal/media.js";
import { postGraphMessages } from "../internal/post-graph-messages.js";
import { providerTime } from "../internal/provider-time.js";
import { redactProviderText } from "../internal/redact.js";
import { verifyMetaHandshake } from "../internal/verify-meta-handshake.js";
import { verifyMetaSignature } from "../internal/verify-meta-signature.js";
import {
  type TWhatsAppCloudCredentials,
  type TWhatsAppContact,
  type TWhatsAppInboundMessage,
  type TWhatsAppMessagesValue,
  type TWhatsAppStatus,
  type TWhatsAppUserPreferencesValue,
  ZWhatsAppMessagesValue,
  ZWhatsAppSendResponse,
  ZWhatsAppUserPreferencesValue,
  ZWhatsAppWebhook,
} from "./whatsapp-cloud.payloads.js";

export const whatsappCloudDefaults = { baseUrl: "https://graph.facebook.com", apiVersion: "v23.0" } as const;

const provider = "WhatsApp Cloud API";
const maxTextLength = 4096;
const maxCaptionLength = 1024;

/**
 * WhatsApp Cloud API error codes → our codes. Branch on `code`, never on titles.
 * 132xxx are template errors; 131056 is the per-pair rate (about 1 message per 6 s to one user).
 */
export function classifyWhatsAppError(code: number): TErrorClass | undefined {
  switch (code) {
    case 4:
    case 80007:
    case 130429:
    case 131048:
      return { code: "RATE_LIMITED" };
    case 131056:
      return { code: "RATE_LIMITED", retryAfterMs: 6_000, recipientScoped: true };
    case 131047:
      return { code: "OUTSIDE_WINDOW" };
    case 131050:
      return { code: "RECIPIENT_OPTED_OUT" };
    case 131021:
    case 131026:
    case 131030:
      return { code: "INVALID_RECIPIENT" };
    case 0:
    case 3:
    case 10:
    case 190:
    case 131031:
      return { code: "AUTH_FAILED" };
    case 1:
    case 2:
    case 131000:
    case 131016:
    case 133004:
      return { code: "UNAVAILABLE" };
    default:
      if (code >= 132_000 && code <= 132_999) return { code: "TEMPLATE_REJECTED" };
      if (code >= 200 && code <= 299) return { code: "AUTH_FAILED" };
      return undefined;
  }
}

/** `+15551234567` → `15551234567`; BSUIDs pass unchanged. */
function recipientAddress(to: string): string {
  return /^\+\d+$/.test(to) ? to.slice(1) : to;
}

function contentFor(message: TOutboundMessage): Record<string, unknown> {
  if (message.template !== undefined) {
    const { name, language, components } = message.template;
    return {
      type: "template",
      template: {
        name,
        language: { code: language, policy: "deterministic" },
        ...(components === undefined ? {} : { components }),
      },
    };
  }
  const media = message.media ?? [];
  if (media.length > 1) throw invalidPayload(`${provider}: one media item per message`);
  const first = media[0];
  if (first !== undefined) {
    const kind = mediaKind(first);
    const caption = first.caption ?? (message.body === "" ? undefined : message.body);
    if (kind === "audio" && caption !== undefined)
      throw invalidPayload(`${provider}: audio cannot carry a caption`);
    if (caption !== undefined && caption.length > maxCaptionLength) {
      throw invalidPayload(`${provider}: caption longer than ${maxCaptionLength} characters`);
    }
    return { type: kind, [kind]: { link: first.url, ...(caption === undefined ? {} : { caption }) } };
  }
  const body = message.body ?? "";
  if (body.length > maxTextLength)
    throw invalidPayload(`${provider}: text longer than ${maxTextLength} characters`);
  return { type: "text", text: { preview_url: false, body } };
}

/** The JSON body of `POST /{version}/{phone-number-id}/messages`. */
export function buildWhatsAppRequest(message: TOutboundMessage): Record<string, unknown> {
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: recipientAddress(message.to),
    // Echoed back in every status webhook: lets the pipeline reconcile a send whose reply was lost.
    biz_opaque_callback_data: message.messageId,
    ...contentFor(message),
  };
}

function messageContent(
  message: TWhatsAppInboundMessage,
  mediaRoot: string,
): { body: string; media?: TInboundMedia[]; buttonPayload?: string; raw?: unknown } {
  switch (message.type) {
    case "text":
      if (message.text === undefined) throw parseFailure("text message without text");
      return { body: message.text.body };
    case "button":
      if (message.button === undefined) throw parseFailure("button message without button");
      return {
        body: message.button.text,
        ...(message.button.payload === undefined ? {} : { buttonPayload: message.button.payload }),
      };
    case "interactive": {
      const reply = message.interactive?.button_reply ?? message.interactive?.list_reply;
      if (reply === undefined) return { body: "", raw: message };
      return { body: reply.title, buttonPayload: reply.id };
    }
    case "image":
    case "video":
    case "audio":
    case "document":
    case "sticker": {
      const media = message[message.type];
      if (media === undefined) throw parseFailure(`${message.type} message without its media object`);
      return {
        body: media.caption ?? "",
        media: [
          {
            url: `${mediaRoot}/${media.id}`,
            providerMediaId: media.id,
            ...(media.mime_type === undefined ? {} : { contentType: media.mime_type }),
          },
        ],
      };
    }
    default:
      return { body: "", raw: message };
  }
}

function parseFailure(what: string): ChannelError {
  return invalidPayload(`WhatsApp webhook: ${what}`);
}

/** Meta's Unix seconds (a string or a number), bounded to a sane time (else the time of receipt). */
function unixSeconds(value: string | number, now: Date): Date {
  return providerTime(Number(value) * 1000, now);
}

function inboundEvents(value: TWhatsAppMessagesValue, mediaRoot: string, now: Date): TNormalizedEvent[] {
  const contacts = value.contacts ?? [];
  return (value.messages ?? []).map((message) => {
    const contact =
      contacts.find(
        (c) =>
          (c.wa_id !== undefined && c.wa_id !== "" && c.wa_id === message.from) ||
          (c.user_id !== undefined && c.user_id === message.from_user_id),
      ) ?? (contacts.length === 1 ? contacts[0] : undefined);
    const fromUserId = message.from_user_id ?? contact?.user_id;
    // The number hidden in the message but given in its contact (the same user id): both names are used.
    const from =
      present(message.from) ??
      (sameUser(contact, fromUserId) ? present(contact?.wa_id) : undefined) ??
      fromUserId;
    if (from === undefined || from === "") throw parseFailure("message without a sender id");
    const content = messageContent(message, mediaRoot);
    const profileName = contact?.profile?.name;
    const replyTo = message.context?.id;
    return {
      kind: "inbound_message",
      dedupeKey: message.id,
      providerMessageId: message.id,
      from,
      ...(fromUserId === undefined || fromUserId === "" ? {} : { fromUserId }),
      to: value.metadata.phone_number_id,
      accountAddress: value.metadata.phone_number_id,
      receivedAt: unixSeconds(message.timestamp, now),
      ...content,
      ...(profileName === undefined ? {} : { profileName }),
      ...(replyTo === undefined ? {} : { replyToProviderMessageId: replyTo }),
    } satisfies TNormalizedEvent;
  });
}

const knownStatuses: Record<string, TDeliveryStatus> = {
  sent: "sent",
  delivered: "delivered",
  read: "read",
  failed: "failed",
};

/** A value Meta gave, or undefined for absent and for "" (Meta's "hidden"). */
function present(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** The contact entry is about this user id (so its wa_id is that user's number). */
function sameUser(contact: TWhatsAppContact | undefined, userId: string | undefined): boolean {
  return userId !== undefined && userId !== "" && contact?.user_id === userId;
}

/**
 * A person's two names (wa_id, BSUID), each as the item gives it, the missing one completed from the
 * change's `contacts[]` entry that gives the other (matched by id, never by position): Meta may name a
 * person in the contacts block by both while the item names one.
 */
function bothNames(
  contacts: readonly TWhatsAppContact[],
  waId: string | undefined,
  userId: string | undefined,
): { waId?: string; userId?: string } {
  const wa = present(waId);
  const user = present(userId);
  const byWa = wa === undefined ? undefined : contacts.find((c) => c.wa_id === wa);
  const byUser = user === undefined ? undefined : contacts.find((c) => c.user_id === user);
  const phone = wa ?? present(byUser?.wa_id);
  const bsuid = user ?? present(byWa?.user_id);
  return {
    ...(phone === undefined ? {} : { waId: phone }),
    ...(bsuid === undefined ? {} : { userId: bsuid }),
  };
}

function statusEvent(
  status: TWhatsAppStatus,
  contacts: readonly TWhatsAppContact[],
  accountAddress: string,
  now: Date,
): TNormalizedEvent | undefined {
  const known = knownStatuses[status.status];
  if (known === undefined) return undefined;
  // Both names when Meta gives both (recipient_id "" when the number is hidden): they link one person.
  const names = bothNames(contacts, status.recipient_id, status.recipient_user_id);
  const recipient = names.waId ?? names.userId;
  const error = status.errors?.[0];
  const errorMessage = redactProviderText(error?.title ?? error?.message);
  return {
    kind: "status",
    dedupeKey: `${status.id}:${status.status}`,
    providerMessageId: status.id,
    status: known,
    accountAddress,
    at: unixSeconds(status.timestamp, now),
    ...(recipient === undefined ? {} : { recipient }),
    ...(names.userId === undefined ? {} : { recipientUserId: names.userId }),
    ...(error === undefined ? {} : { errorCode: String(error.code) }),
    ...(errorMessage === "" ? {} : { errorMessage }),
    ...(status.biz_opaque_callback_data === undefined
      ? {}
      : { clientReference: status.biz_opaque_callback_data }),
  };
}

function preferenceEvents(value: TWhatsAppUserPreferencesValue, now: Date): TNormalizedEvent[] {
  const events: TNormalizedEvent[] = [];
  const accountAddress = value.metadata?.phone_number_id;
  for (const preference of value.user_preferences) {
    if (preference.category !== "marketing_messages") continue;
    if (preference.value !== "stop" && preference.value !== "resume") continue;
    // The key as the item itself names the person (unchanged when the contacts block completes a name).
    const named = present(preference.wa_id) ?? present(preference.user_id);
    if (named === undefined) throw parseFailure("user preference without a user id");
    const names = bothNames(value.contacts ?? [], preference.wa_id, preference.user_id);
    const from = names.waId ?? names.userId ?? named;
    events.push({
      kind: "preference",
      dedupeKey: `preference:${named}:${preference.value}:${preference.timestamp}`,
      from,
      ...(names.userId === undefined ? {} : { fromUserId: names.userId }),
      category: "marketing",
      value: preference.value,
      at: unixSeconds(preference.timestamp, now),
      ...(accountAddress === undefined ? {} : { accountAddress }),
    });
  }
  return events;
}

/**
 * Every event is tagged with the phone_number_id of its own change (`accountAddress`): one body may carry
 * the changes of several numbers of the app. Timestamps outside a sane range become the time of receipt.
 */
export function parseWhatsAppWebhook(rawBody: Buffer, mediaRoot: string, now: Date): TNormalizedEvent[] {
  const envelope = parseWith(ZWhatsAppWebhook, parseJsonBody(rawBody), "WhatsApp webhook");
  const events: TNormalizedEvent[] = [];
  for (const entry of envelope.entry) {
    for (const change of entry.changes) {
      if (change.field === "messages") {
        const value = parseWith(ZWhatsAppMessagesValue, change.value, "WhatsApp messages change");
        events.push(...inboundEvents(value, mediaRoot, now));
        for (const status of value.statuses ?? []) {
          const event = statusEvent(status, value.contacts ?? [], value.metadata.phone_number_id, now);
          if (event !== undefined) events.push(event);
        }
      } else if (change.field === "user_preferences") {
        const value = parseWith(
          ZWhatsAppUserPreferencesValue,
          change.value,
          "WhatsApp user_preferences change",
        );
        events.push(...preferenceEvents(value, now));
      }
      // Other fields (template status, account updates, …) are not messaging events.
    }
  }
  return events;
}

async function sendWhatsApp(
  credentials: TWhatsAppCloudCredentials,
  deps: TResolvedDeps,
  apiVersion: string,
  message: TOutboundMessage,
): Promise<TSendResult> {
  const response = await postGraphMessages({
    deps,
    apiVersion,
    senderId: credentials.phoneNumberId,
    accessToken: credentials.accessToken,
    body: buildWhatsAppRequest(parseOutbound(message)),
    provider,
    classify: classifyWhatsAppError,
  });
  const parsed = ZWhatsAppSendResponse.safeParse(response.json);
  const sent = parsed.success ? parsed.data.messages[0] : undefined;
  if (!parsed.success || sent === undefined) throw unreadableSuccess(provider, response.status);
  const contact = parsed.data.contacts?.[0];
  return {
    providerMessageId: sent.id,
    acceptedAt: deps.clock(),
    ...(contact?.wa_id ? { recipientAddress: contact.wa_id } : {}),
    ...(contact?.user_id ? { recipientUserId: contact.user_id } : {}),
  };
}

export function createWhatsAppCloudAdapter(
  credentials: TWhatsAppCloudCredentials,
  deps: TAdapterDeps = {},
): TChannelAdapter {
  const resolved = resolveDeps(deps, whatsappCloudDefaults.baseUrl);
  const apiVersion = credentials.apiVersion ?? whatsappCloudDefaults.apiVersion;
  const mediaRoot = `${resolved.baseUrl}/${apiVersion}`;
  return {
    providerId: "whatsapp-cloud",
    channel: "whatsapp",
    idempotentSends: false,
    send: (message) => sendWhatsApp(credentials, resolved, apiVersion, message),
    verifyWebhook: (input) => verifyMetaSignature(credentials.appSecret, input),
    parseWebhook: (input) => parseWhatsAppWebhook(input.rawBody, mediaRoot, resolved.clock()),
    verifyHandshake: (query) => verifyMetaHandshake(credentials.verifyToken, query),
  };
}
