import { isId } from "../../../core/ids.js";
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
import { callProvider, retryAfterMs, unreadableSuccess } from "../internal/http.js";
import { invalidPayload, maxWebhookBytes, parseOutbound, parseWith } from "../internal/json.js";
import { redactProviderText } from "../internal/redact.js";
import { countSmsSegments } from "../sms-segments.js";
import {
  type TTwilioCredentials,
  type TTwilioInbound,
  ZTwilioErrorBody,
  ZTwilioInbound,
  ZTwilioMessageResource,
  ZTwilioStatusCallback,
} from "./twilio.payloads.js";
import { parseTwilioForm, type TTwilioParams, verifyTwilioSignature } from "./twilio.signature.js";

export const twilioDefaults = { baseUrl: "https://api.twilio.com" } as const;

const provider = "Twilio";
const maxBodyLength = 1600;
const maxMedia = 10;

/** Twilio error codes → our codes. */
export function classifyTwilioError(code: number): TErrorClass | undefined {
  switch (code) {
    case 21610:
      return { code: "RECIPIENT_OPTED_OUT" };
    case 21211:
    case 21612:
    case 21614:
      return { code: "INVALID_RECIPIENT" };
    case 20003:
      return { code: "AUTH_FAILED" };
    case 20429:
    case 21611:
    case 30001:
      return { code: "RATE_LIMITED" };
    case 63016:
      return { code: "OUTSIDE_WINDOW" };
    default:
      return undefined;
  }
}

/** The form fields of `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`. */
export function buildTwilioForm(credentials: TTwilioCredentials, message: TOutboundMessage): URLSearchParams {
  const form = new URLSearchParams();
  form.append("To", message.to);
  const from = message.from ?? credentials.from;
  if (from !== undefined && (message.from !== undefined || credentials.messagingServiceSid === undefined)) {
    form.append("From", from);
  } else if (credentials.messagingServiceSid !== undefined) {
    form.append("MessagingServiceSid", credentials.messagingServiceSid);
  }
  if (message.template !== undefined) {
    if (!/^HX[0-9a-fA-F]{32}$/.test(message.template.name)) {
      throw invalidPayload(`${provider}: template name must be a Content SID (HX…)`);
    }
    form.append("ContentSid", message.template.name);
    if (message.template.variables !== undefined) {
      form.append("ContentVariables", JSON.stringify(message.template.variables));
    }
  }
  if (message.body !== undefined && message.body !== "") {
    if (message.body.length > maxBodyLength) {
      throw invalidPayload(`${provider}: body longer than ${maxBodyLength} characters`);
    }
    form.append("Body", message.body);
  }
  const media = message.media ?? [];
  if (media.length > maxMedia) throw invalidPayload(`${provider}: at most ${maxMedia} media items`);
  for (const item of media) form.append("MediaUrl", item.url);
  if (message.statusCallbackUrl !== undefined) form.append("StatusCallback", message.statusCallbackUrl);
  return form;
}

function basicAuth(credentials: TTwilioCredentials): string {
  const user = credentials.apiKeySid ?? credentials.accountSid;
  const password = credentials.apiKeySecret ?? credentials.authToken;
  return `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
}

function twilioError(status: number, json: unknown, headers: Headers, now: Date): ChannelError {
  const parsed = ZTwilioErrorBody.safeParse(json);
  const body = parsed.success ? parsed.data : undefined;
  const chosen =
    (body === undefined ? undefined : classifyTwilioError(body.code)) ?? classifyHttpStatus(status);
  const wait = chosen.code === "RATE_LIMITED" ? retryAfterMs(headers, now) : undefined;
  const detail = redactProviderText(body?.message);
  return new ChannelError(chosen.code, {
    message: `${provider}: HTTP ${status}${body ? ` code ${body.code}` : ""}${detail ? `: ${detail}` : ""}`,
    providerStatus: status,
    ...(body === undefined ? {} : { providerCode: String(body.code) }),
    ...(wait === undefined ? {} : { retryAfterMs: wait }),
  });
}

async function sendTwilio(
  credentials: TTwilioCredentials,
  deps: TResolvedDeps,
  message: TOutboundMessage,
): Promise<TSendResult> {
  const valid = parseOutbound(message);
  const form = buildTwilioForm(credentials, valid);
  const response = await callProvider({
    fetch: deps.fetch,
    url: `${deps.baseUrl}/2010-04-01/Accounts/${credentials.accountSid}/Messages.json`,
    headers: {
      authorization: basicAuth(credentials),
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    },
    body: form.toString(),
    timeoutMs: deps.timeoutMs,
    provider,
  });
  if (response.status < 200 || response.status >= 300) {
    throw twilioError(response.status, response.json, response.headers, deps.clock());
  }
  const parsed = ZTwilioMessageResource.safeParse(response.json);
  if (!parsed.success) throw unreadableSuccess(provider, response.status);
  const reported = Number(parsed.data.num_segments ?? "0");
  const segments =
    Number.isInteger(reported) && reported > 0
      ? reported
      : valid.body !== undefined && valid.body !== ""
        ? countSmsSegments(valid.body).segments
        : undefined;
  return {
    providerMessageId: parsed.data.sid,
    acceptedAt: deps.clock(),
    ...(segments === undefined ? {} : { segments }),
  };
}

function firstValues(params: TTwilioParams): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) fields[key] = first;
  }
  return fields;
}

function inboundMedia(inbound: TTwilioInbound, fields: Record<string, string>): TInboundMedia[] {
  const count = Number(inbound.NumMedia ?? "0");
  const media: TInboundMedia[] = [];
  for (let index = 0; index < count; index += 1) {
    const url = fields[`MediaUrl${index}`];
    if (url === undefined || url === "")
      throw invalidPayload(`${provider} webhook: MediaUrl${index} missing`);
    const contentType = fields[`MediaContentType${index}`];
    media.push({ url, ...(contentType ? { contentType } : {}) });
  }
  return media;
}

const optOutTypes: Record<string, "STOP" | "START" | "HELP"> = { STOP: "STOP", START: "START", HELP: "HELP" };

function inboundEvent(fields: Record<string, string>, now: Date): TNormalizedEvent {
  const inbound = parseWith(ZTwilioInbound, fields, `${provider} inbound webhook`);
  const media = inboundMedia(inbound, fields);
  const optOut = optOutTypes[inbound.OptOutType?.toUpperCase() ?? ""];
  return {
    kind: "inbound_message",
    dedupeKey: inbound.MessageSid,
    providerMessageId: inbound.MessageSid,
    from: inbound.From,
    to: inbound.To,
    body: inbound.Body,
    receivedAt: now,
    ...(media.length > 0 ? { media } : {}),
    ...(inbound.ProfileName ? { profileName: inbound.ProfileName } : {}),
    ...(inbound.ButtonPayload ? { buttonPayload: inbound.ButtonPayload } : {}),
    ...(inbound.OriginalRepliedMessageSid
      ? { replyToProviderMessageId: inbound.OriginalRepliedMessageSid }
      : {}),
    ...(optOut === undefined ? {} : { providerOptOutType: optOut }),
  };
}

/** Twilio MessageStatus → ours; queued/sending/accepted/scheduled/receiving/received give no event. */
const statusMap: Record<string, "sent" | "delivered" | "read" | "failed" | "undelivered"> = {
  sent: "sent",
  delivered: "delivered",
  partially_delivered: "delivered",
  read: "read",
  failed: "failed",
  canceled: "failed",
  undelivered: "undelivered",
};

/** Our message id, from the `m` query parameter of the StatusCallback URL we gave with the send. */
function messageIdOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf("?");
  if (q < 0) return undefined;
  const m = new URLSearchParams(url.slice(q + 1)).get("m");
  return m !== null && isId("msg", m) ? m : undefined;
}

function statusEvent(
  fields: Record<string, string>,
  now: Date,
  clientReference: string | undefined,
): TNormalizedEvent | undefined {
  const callback = parseWith(ZTwilioStatusCallback, fields, `${provider} status callback`);
  const status = statusMap[callback.MessageStatus.toLowerCase()];
  if (status === undefined) return undefined;
  const errorMessage = redactProviderText(callback.ErrorMessage);
  return {
    kind: "status",
    dedupeKey: `${callback.MessageSid}:${callback.MessageStatus.toLowerCase()}`,
    providerMessageId: callback.MessageSid,
    status,
    at: now,
    ...(callback.To ? { recipient: callback.To } : {}),
    ...(callback.ErrorCode ? { errorCode: callback.ErrorCode } : {}),
    ...(errorMessage ? { errorMessage } : {}),
    ...(clientReference ? { clientReference } : {}),
  };
}

/**
 * Inbound messages carry Body (and SmsStatus=received); status callbacks carry MessageStatus and no
 * Body. Old callbacks only have SmsSid/SmsStatus, which are mapped onto the new names.
 */
export function parseTwilioWebhook(
  rawBody: Buffer,
  contentType: string,
  now: Date,
  url?: string,
): TNormalizedEvent[] {
  if (rawBody.length > maxWebhookBytes) throw invalidPayload(`${provider} webhook too large`);
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (type !== "" && type !== "application/x-www-form-urlencoded") {
    throw invalidPayload(`${provider} webhook must be form-encoded`);
  }
  const fields = firstValues(parseTwilioForm(rawBody));
  if (fields.MessageSid === undefined && fields.SmsSid !== undefined) fields.MessageSid = fields.SmsSid;
  if ("Body" in fields || "NumMedia" in fields) return [inboundEvent(fields, now)];
  if (fields.MessageStatus === undefined && fields.SmsStatus !== undefined)
    fields.MessageStatus = fields.SmsStatus;
  if (fields.MessageStatus !== undefined) {
    const event = statusEvent(fields, now, messageIdOf(url));
    return event === undefined ? [] : [event];
  }
  throw invalidPayload(`${provider} webhook is neither an inbound message nor a status callback`);
}

export function createTwilioAdapter(
  credentials: TTwilioCredentials,
  deps: TAdapterDeps = {},
): TChannelAdapter {
  const resolved = resolveDeps(deps, twilioDefaults.baseUrl);
  return {
    providerId: "twilio",
    channel: "sms",
    idempotentSends: false,
    send: (message) => sendTwilio(credentials, resolved, message),
    verifyWebhook: (input) => verifyTwilioSignature(credentials.authToken, input),
    parseWebhook: (input) =>
      parseTwilioWebhook(input.rawBody, input.contentType, resolved.clock(), input.url),
  };
}
