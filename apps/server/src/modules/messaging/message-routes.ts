import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { notFound } from "../../core/errors.js";
import { page, ZListQuery } from "../../core/pagination.js";
import { actorOf, authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import { getMessage } from "./get-message.js";
import { listMessages } from "./list-messages.js";
import { messageChannels, messageStatuses } from "./messaging.types.js";
import { prepareSendWork } from "./prepare-send-work.js";
import { presentMessage, ZMessage } from "./present-message.js";
import { getSendBatcher } from "./send-batcher.js";
import {
  type TSendMessageResponse,
  ZId,
  ZSendMessageRequest,
  ZSendMessageResponse,
} from "./send-message.schema.js";
import type { TAcceptedMessage } from "./send-work.js";

export function presentAccepted(a: TAcceptedMessage): TSendMessageResponse {
  return {
    id: a.id,
    status: a.status,
    ...(a.reason !== null ? { reason: a.reason } : {}),
    ...(a.notBefore !== null ? { notBefore: a.notBefore.toISOString() } : {}),
    contactId: a.contactId,
    channelAccountId: a.channelAccountId,
  };
}

const quoted = (s: string): string => JSON.stringify(s);

/**
 * The 202 answer as JSON text, byte for byte what JSON.stringify gives for presentAccepted's object,
 * written directly (the send path's answer; the response schema stays for the documentation).
 */
export function acceptedJsonText(r: TSendMessageResponse): string {
  const reason = r.reason === undefined ? "" : `,"reason":${quoted(r.reason)}`;
  const notBefore = r.notBefore === undefined ? "" : `,"notBefore":${quoted(r.notBefore)}`;
  return `{"id":${quoted(r.id)},"status":${quoted(r.status)}${reason}${notBefore},"contactId":${quoted(r.contactId)},"channelAccountId":${quoted(r.channelAccountId)}}`;
}

const ZListMessagesQuery = ZListQuery.extend({
  status: z.enum(messageStatuses).optional(),
  brandId: ZId.optional(),
  contactId: ZId.optional(),
  channel: z.enum(messageChannels).optional(),
});

/** `POST /v1/messages`, `GET /v1/messages/{id}`, `GET /v1/messages`. */
export function messageRoutes(app: TApp, ctx: TAppContext): void {
  const batcher = getSendBatcher(ctx);

  app.post(
    "/v1/messages",
    {
      schema: {
        tags: ["messages"],
        summary:
          "Send a message (accepted, decided against the consent ledger and queued; or suppressed with its reason)",
        body: ZSendMessageRequest,
        headers: z.object({ "idempotency-key": z.string().optional() }),
        response: { 202: ZSendMessageResponse },
      },
      serializerCompiler: () => (data: unknown) => acceptedJsonText(data as TSendMessageResponse),
      // JSON only, on the hottest path of the API: the short OWASP REST header set.
      config: { securityHeaders: "api" },
    },
    async (request, reply) => {
      const p = authorize(request, "messages:send");
      const work = prepareSendWork({
        workspaceId: p.workspaceId,
        actor: actorOf(p),
        requestId: String(request.id),
        idempotencyKey: request.headers["idempotency-key"],
        request: request.body,
      });
      const accepted = await batcher.submit(work);
      return reply.status(202).send(presentAccepted(accepted));
    },
  );

  app.get(
    "/v1/messages/:id",
    {
      schema: {
        tags: ["messages"],
        summary: "A message with its status and timeline",
        params: z.object({ id: ZId }),
        response: { 200: ZMessage },
      },
    },
    async (request) => {
      const p = authorize(request, "messages:read");
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      const found = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        getMessage(tx, { workspaceId: p.workspaceId, messageId: request.params.id }),
      );
      if (!found) throw notFound("message");
      return presentMessage(keys, found.message, found.events);
    },
  );

  app.get(
    "/v1/messages",
    {
      schema: {
        tags: ["messages"],
        summary: "List messages, newest first",
        querystring: ZListMessagesQuery,
        response: { 200: z.object({ data: z.array(ZMessage), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const p = authorize(request, "messages:read");
      const { limit, cursor, ...filter } = request.query;
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      const found = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        listMessages(tx, { workspaceId: p.workspaceId, limit, cursor, filter }),
      );
      const result = page(found, limit);
      return { data: result.data.map((m) => presentMessage(keys, m)), nextCursor: result.nextCursor };
    },
  );
}
