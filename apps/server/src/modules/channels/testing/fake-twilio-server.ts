import { randomBytes } from "node:crypto";
import { countSmsSegments } from "../sms-segments.js";
import {
  CallbackQueue,
  ScriptedReplies,
  startFakeHttpServer,
  type TFakeHttpServer,
  type TFakeReply,
  type TRecordedRequest,
} from "./fake-http-server.js";
import { signTwilioWebhook, twilioFormBody } from "./webhook-signing.js";

export interface TFakeTwilioServerOptions {
  accountSid: string;
  authToken: string;
  /** Also accept this API key for Basic auth. */
  apiKey?: { sid: string; secret: string };
  /**
   * Post signed status callbacks (sent, delivered; or failed/undelivered for failAsyncFor) to the
   * message's StatusCallback URL. Default true.
   */
  statusCallbacks?: boolean;
}

export interface TTwilioAccepted {
  sid: string;
  /** Form fields as received; MediaUrl is an array. */
  params: Record<string, string | string[]>;
}

export interface TFakeTwilioServer extends TFakeHttpServer {
  readonly accepted: TTwilioAccepted[];
  readonly callbacks: CallbackQueue;
  /** Sends to `to` ("*" = anyone) answer with this Twilio error code (or reply), `times` times. */
  failFor(to: string, failure: number | TFakeReply, times?: number): void;
  /** Sends to `to` are accepted, then the status callback reports `status` with `errorCode`. */
  failAsyncFor(to: string, errorCode: string, status?: "failed" | "undelivered"): void;
  reset(): void;
}

/** Documented Twilio REST errors: `{"code","message","more_info","status"}`. */
const twilioErrors: Record<number, { status: number; message: string }> = {
  20003: { status: 401, message: "Authenticate" },
  20404: { status: 404, message: "The requested resource was not found" },
  20429: { status: 429, message: "Too Many Requests" },
  21211: { status: 400, message: "Invalid 'To' Phone Number" },
  21602: { status: 400, message: "Message body is required." },
  21603: { status: 400, message: "A 'From' phone number is required." },
  21604: { status: 400, message: "A 'To' phone number is required." },
  21610: { status: 400, message: "Attempt to send to unsubscribed recipient" },
  21611: { status: 400, message: "This 'From' number has exceeded the maximum number of queued messages" },
  21614: { status: 400, message: "'To' number is not a valid mobile number" },
  21617: { status: 400, message: "The concatenated message body exceeds the 1600 character limit." },
  63016: {
    status: 400,
    message: "Failed to send freeform message because you are outside the allowed window.",
  },
};

export function twilioErrorReply(code: number, status?: number): TFakeReply {
  const known = twilioErrors[code];
  return {
    status: status ?? known?.status ?? 400,
    body: {
      code,
      message: known?.message ?? "Error",
      more_info: `https://www.twilio.com/docs/errors/${code}`,
      status: status ?? known?.status ?? 400,
    },
    ...(code === 20429 ? { headers: { "retry-after": "2" } } : {}),
  };
}

function formParams(rawBody: Buffer): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(rawBody.toString("utf8"))) {
    const existing = params[key];
    params[key] =
      existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return params;
}

function single(params: Record<string, string | string[]>, key: string): string | undefined {
  const value = params[key];
  return Array.isArray(value) ? value[0] : value;
}

function list(params: Record<string, string | string[]>, key: string): string[] {
  const value = params[key];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

const e164 = /^(whatsapp:)?\+[1-9]\d{1,14}$/;

/**
 * A local Twilio Messages API: checks path, Basic auth, form encoding and required fields like
 * Twilio does, answers with the documented Message resource or error JSON, and posts signed status
 * callbacks to StatusCallback.
 */
export async function startFakeTwilioServer(options: TFakeTwilioServerOptions): Promise<TFakeTwilioServer> {
  const accepted: TTwilioAccepted[] = [];
  const scripted = new ScriptedReplies();
  const asyncFailures = new Map<string, { errorCode: string; status: "failed" | "undelivered" }>();
  const callbacks = new CallbackQueue();
  const validAuth = new Set([
    `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString("base64")}`,
    ...(options.apiKey
      ? [`Basic ${Buffer.from(`${options.apiKey.sid}:${options.apiKey.secret}`).toString("base64")}`]
      : []),
  ]);

  function statusCallbacks(sid: string, params: Record<string, string | string[]>): void {
    const url = single(params, "StatusCallback");
    if (url === undefined || options.statusCallbacks === false) return;
    const to = single(params, "To") ?? "";
    const failure = asyncFailures.get(to);
    const sequence = failure === undefined ? ["sent", "delivered"] : ["sent", failure.status];
    callbacks.enqueue(
      sequence.map((status) => {
        const fields: Record<string, string> = {
          ApiVersion: "2010-04-01",
          AccountSid: options.accountSid,
          MessageSid: sid,
          SmsSid: sid,
          MessageStatus: status,
          SmsStatus: status,
          To: to,
          From: single(params, "From") ?? "+15005550006",
          ...(failure !== undefined && status === failure.status ? { ErrorCode: failure.errorCode } : {}),
        };
        return {
          url,
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": signTwilioWebhook(options.authToken, url, fields),
          },
          body: twilioFormBody(fields),
        };
      }),
    );
  }

  function handle(request: TRecordedRequest): TFakeReply {
    if (request.path !== `/2010-04-01/Accounts/${options.accountSid}/Messages.json`)
      return twilioErrorReply(20404);
    if (request.method !== "POST") return twilioErrorReply(20404, 405);
    if (!validAuth.has(request.headers.authorization ?? "")) return twilioErrorReply(20003);
    if (request.contentType !== "application/x-www-form-urlencoded") return twilioErrorReply(21602);
    const params = formParams(request.rawBody);
    const to = single(params, "To");
    const from = single(params, "From");
    const service = single(params, "MessagingServiceSid");
    const body = single(params, "Body") ?? "";
    const media = list(params, "MediaUrl");
    if (to === undefined || to === "") return twilioErrorReply(21604);
    if (from === undefined && service === undefined) return twilioErrorReply(21603);
    if (body === "" && media.length === 0 && single(params, "ContentSid") === undefined)
      return twilioErrorReply(21602);
    if (body.length > 1600) return twilioErrorReply(21617);
    if (!e164.test(to)) return twilioErrorReply(21211);
    const failure = scripted.take(to);
    if (failure !== undefined) return failure;
    const sid = `${media.length > 0 ? "MM" : "SM"}${randomBytes(16).toString("hex")}`;
    accepted.push({ sid, params });
    statusCallbacks(sid, params);
    const now = new Date().toUTCString().replace("GMT", "+0000");
    return {
      status: 201,
      body: {
        account_sid: options.accountSid,
        api_version: "2010-04-01",
        body,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: "outbound-api",
        error_code: null,
        error_message: null,
        from: from ?? null,
        messaging_service_sid: service ?? null,
        num_media: String(media.length),
        // Messaging Service sends report 0 segments at creation time.
        num_segments:
          service !== undefined && from === undefined ? "0" : String(countSmsSegments(body).segments),
        price: null,
        price_unit: "USD",
        sid,
        status: service !== undefined && from === undefined ? "accepted" : "queued",
        to,
        uri: `/2010-04-01/Accounts/${options.accountSid}/Messages/${sid}.json`,
      },
    };
  }

  const server = await startFakeHttpServer(handle);
  return {
    ...server,
    accepted,
    callbacks,
    failFor: (to, failure, times) =>
      scripted.set(to, typeof failure === "number" ? twilioErrorReply(failure) : failure, times),
    failAsyncFor: (to, errorCode, status = "undelivered") => asyncFailures.set(to, { errorCode, status }),
    reset: () => {
      accepted.length = 0;
      server.requests.length = 0;
      scripted.clear();
      asyncFailures.clear();
    },
    close: async () => {
      await callbacks.flush();
      await server.close();
    },
  };
}
