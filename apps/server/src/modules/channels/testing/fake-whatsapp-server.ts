import { randomBytes } from "node:crypto";
import { z } from "zod";
import {
  CallbackQueue,
  ScriptedReplies,
  startFakeHttpServer,
  type TFakeHttpServer,
  type TFakeReply,
  type TRecordedRequest,
} from "./fake-http-server.js";
import { graphErrorReply } from "./graph-errors.js";
import { buildWhatsAppStatusWebhook } from "./webhook-builders.js";
import { signMetaWebhook } from "./webhook-signing.js";

const ZMediaObject = z.object({
  link: z.url().optional(),
  id: z.string().optional(),
  caption: z.string().max(1024).optional(),
});

const ZEnvelope = z.object({
  messaging_product: z.literal("whatsapp"),
  recipient_type: z.literal("individual").optional(),
  to: z.string().min(1),
  biz_opaque_callback_data: z.string().max(512).optional(),
});

/** What Cloud API accepts on POST /{version}/{phone-number-id}/messages (the types we use). */
export const ZWhatsAppSendRequest = z.discriminatedUnion("type", [
  ZEnvelope.extend({
    type: z.literal("text"),
    text: z.object({ body: z.string().min(1).max(4096), preview_url: z.boolean().optional() }),
  }),
  ZEnvelope.extend({
    type: z.literal("template"),
    template: z.object({
      name: z.string().min(1),
      language: z.object({ code: z.string().min(2), policy: z.literal("deterministic").optional() }),
      components: z.array(z.looseObject({ type: z.string() })).optional(),
    }),
  }),
  ZEnvelope.extend({ type: z.literal("image"), image: ZMediaObject }),
  ZEnvelope.extend({ type: z.literal("video"), video: ZMediaObject }),
  ZEnvelope.extend({ type: z.literal("document"), document: ZMediaObject }),
  // Audio takes no caption.
  ZEnvelope.extend({
    type: z.literal("audio"),
    audio: z.strictObject({ link: z.url().optional(), id: z.string().optional() }),
  }),
]);
export type TWhatsAppSendRequest = z.infer<typeof ZWhatsAppSendRequest>;

export interface TFakeWhatsAppServerOptions {
  accessToken: string;
  phoneNumberId: string;
  apiVersion?: string;
  /** When set, every accepted message gets signed status webhooks (sent, delivered) posted here. */
  webhook?: { url: string; appSecret: string; wabaId?: string };
}

export interface TWhatsAppAccepted {
  wamid: string;
  request: TWhatsAppSendRequest;
}

export interface TFakeWhatsAppServer extends TFakeHttpServer {
  /** Messages the fake accepted, in order. */
  readonly accepted: TWhatsAppAccepted[];
  readonly callbacks: CallbackQueue;
  /** Sends to `to` ("*" = anyone) answer with this documented error code (or reply), `times` times. */
  failFor(to: string, failure: number | TFakeReply, times?: number): void;
  /** Sends to `to` are accepted, then a `failed` status webhook with this code follows (e.g. 131050). */
  failAsyncFor(to: string, code: number): void;
  reset(): void;
}

function wamid(): string {
  return `wamid.${randomBytes(24).toString("base64")}`;
}

/**
 * A local WhatsApp Cloud API: checks method, path, Bearer token, content type and body shape like
 * Graph does, answers with documented success and error JSON, and can post status webhooks.
 */
export async function startFakeWhatsAppServer(
  options: TFakeWhatsAppServerOptions,
): Promise<TFakeWhatsAppServer> {
  const apiVersion = options.apiVersion ?? "v23.0";
  const accepted: TWhatsAppAccepted[] = [];
  const scripted = new ScriptedReplies();
  const asyncFailures = new Map<string, number>();
  const callbacks = new CallbackQueue();

  function statusWebhooks(request: TWhatsAppSendRequest, id: string): void {
    if (options.webhook === undefined) return;
    const { url, appSecret, wabaId } = options.webhook;
    const errorCode = asyncFailures.get(request.to);
    const statuses: ("sent" | "delivered" | "failed")[] =
      errorCode === undefined ? ["sent", "delivered"] : ["failed"];
    callbacks.enqueue(
      statuses.map((status) => {
        const body = JSON.stringify(
          buildWhatsAppStatusWebhook({
            phoneNumberId: options.phoneNumberId,
            id,
            status,
            recipientId: request.to,
            ...(request.biz_opaque_callback_data === undefined
              ? {}
              : { bizOpaqueCallbackData: request.biz_opaque_callback_data }),
            ...(errorCode === undefined ? {} : { errorCode }),
            ...(wabaId === undefined ? {} : { wabaId }),
          }),
        );
        return {
          url,
          headers: {
            "content-type": "application/json",
            "x-hub-signature-256": signMetaWebhook(appSecret, body),
          },
          body,
        };
      }),
    );
  }

  function handle(request: TRecordedRequest): TFakeReply {
    if (request.path !== `/${apiVersion}/${options.phoneNumberId}/messages`) {
      return graphErrorReply(100, {
        subcode: 33,
        message: "Unsupported post request. Object does not exist",
      });
    }
    if (request.method !== "POST") return graphErrorReply(100, { message: "Unsupported get request." });
    if (request.headers.authorization !== `Bearer ${options.accessToken}`) return graphErrorReply(190);
    if (request.contentType !== "application/json") {
      return graphErrorReply(100, { details: "Content-Type must be application/json" });
    }
    let json: unknown;
    try {
      json = JSON.parse(request.rawBody.toString("utf8"));
    } catch {
      return graphErrorReply(100, { details: "Invalid JSON" });
    }
    const parsed = ZWhatsAppSendRequest.safeParse(json);
    if (!parsed.success)
      return graphErrorReply(100, { details: parsed.error.issues[0]?.message ?? "Invalid" });
    const failure = scripted.take(parsed.data.to);
    if (failure !== undefined) return failure;
    const id = wamid();
    accepted.push({ wamid: id, request: parsed.data });
    statusWebhooks(parsed.data, id);
    const isDigits = /^\d+$/.test(parsed.data.to);
    return {
      status: 200,
      body: {
        messaging_product: "whatsapp",
        contacts: [
          {
            input: parsed.data.to,
            ...(isDigits ? { wa_id: parsed.data.to } : { wa_id: "", user_id: parsed.data.to }),
          },
        ],
        messages: [{ id, ...(parsed.data.type === "template" ? { message_status: "accepted" } : {}) }],
      },
    };
  }

  const server = await startFakeHttpServer(handle);
  return {
    ...server,
    url: server.url,
    requests: server.requests,
    accepted,
    callbacks,
    failFor: (to, failure, times) =>
      scripted.set(to, typeof failure === "number" ? graphErrorReply(failure) : failure, times),
    failAsyncFor: (to, code) => asyncFailures.set(to, code),
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
