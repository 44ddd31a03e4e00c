import { randomBytes } from "node:crypto";
import { z } from "zod";
import {
  ScriptedReplies,
  startFakeHttpServer,
  type TFakeHttpServer,
  type TFakeReply,
  type TRecordedRequest,
} from "./fake-http-server.js";
import { graphErrorReply } from "./graph-errors.js";

/** What the Instagram Send API accepts on POST /{version}/{ig-id}/messages (the forms we use). */
export const ZInstagramSendRequest = z
  .object({
    recipient: z.object({ id: z.string().min(1) }),
    message: z.union([
      z.object({ text: z.string().min(1).max(1000) }),
      z.object({
        attachment: z.object({
          type: z.enum(["image", "video", "audio", "file"]),
          payload: z.object({ url: z.url() }),
        }),
      }),
    ]),
    messaging_type: z.enum(["RESPONSE", "UPDATE", "MESSAGE_TAG"]).optional(),
    tag: z.literal("HUMAN_AGENT").optional(),
  })
  .refine((body) => (body.messaging_type === "MESSAGE_TAG") === (body.tag !== undefined), {
    message: "tag requires messaging_type MESSAGE_TAG and vice versa",
  });
export type TInstagramSendRequest = z.infer<typeof ZInstagramSendRequest>;

export interface TFakeInstagramServerOptions {
  accessToken: string;
  igId: string;
  apiVersion?: string;
}

export interface TInstagramAccepted {
  messageId: string;
  request: TInstagramSendRequest;
}

export interface TFakeInstagramServer extends TFakeHttpServer {
  readonly accepted: TInstagramAccepted[];
  /** Sends to this IGSID ("*" = anyone) answer with this Graph error (code, subcode) or reply. */
  failFor(igsid: string, failure: { code: number; subcode?: number } | TFakeReply, times?: number): void;
  reset(): void;
}

function isReply(value: { code: number; subcode?: number } | TFakeReply): value is TFakeReply {
  return "status" in value;
}

/** A local Instagram Send API with Graph-style errors. */
export async function startFakeInstagramServer(
  options: TFakeInstagramServerOptions,
): Promise<TFakeInstagramServer> {
  const apiVersion = options.apiVersion ?? "v23.0";
  const accepted: TInstagramAccepted[] = [];
  const scripted = new ScriptedReplies();
  const error = (code: number, extra: { subcode?: number; message?: string } = {}) =>
    graphErrorReply(code, { ...extra, product: "instagram" });

  function handle(request: TRecordedRequest): TFakeReply {
    if (request.path !== `/${apiVersion}/${options.igId}/messages`) {
      return error(100, { subcode: 33, message: "Unsupported post request. Object does not exist" });
    }
    if (request.method !== "POST") return error(100, { message: "Unsupported get request." });
    if (request.headers.authorization !== `Bearer ${options.accessToken}`) return error(190);
    if (request.contentType !== "application/json")
      return error(100, { message: "(#100) Invalid content type" });
    let json: unknown;
    try {
      json = JSON.parse(request.rawBody.toString("utf8"));
    } catch {
      return error(100, { message: "(#100) Invalid JSON" });
    }
    const parsed = ZInstagramSendRequest.safeParse(json);
    if (!parsed.success)
      return error(100, { message: `(#100) ${parsed.error.issues[0]?.message ?? "Invalid parameter"}` });
    const failure = scripted.take(parsed.data.recipient.id);
    if (failure !== undefined) return failure;
    const messageId = `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOj${randomBytes(12).toString("hex")}`;
    accepted.push({ messageId, request: parsed.data });
    return { status: 200, body: { recipient_id: parsed.data.recipient.id, message_id: messageId } };
  }

  const server = await startFakeHttpServer(handle);
  return {
    ...server,
    accepted,
    failFor: (igsid, failure, times) =>
      scripted.set(
        igsid,
        isReply(failure)
          ? failure
          : error(failure.code, failure.subcode === undefined ? {} : { subcode: failure.subcode }),
        times,
      ),
    reset: () => {
      accepted.length = 0;
      server.requests.length = 0;
      scripted.clear();
    },
  };
}
