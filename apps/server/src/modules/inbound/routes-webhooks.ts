import type { FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import type { TApp } from "../../http/types.js";
import { answerHandshake } from "./answer-handshake.js";
import { receiveWebhook } from "./receive-webhook.js";

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
const ZParams = z.object({ channelAccountId: z.string() });

/**
 * The URL the provider called, as it signed it: PUBLIC_URL (which must match what is configured at the
 * provider, scheme, host, port and path prefix included) + the request path and query; without
 * PUBLIC_URL, the request's own (proxy-forwarded) scheme and host.
 */
function publicUrlOf(ctx: TAppContext, request: FastifyRequest): string {
  const base = ctx.config.publicUrl?.replace(/\/+$/, "") ?? `${request.protocol}://${request.host}`;
  return `${base}${request.url}`;
}

function queryRecord(query: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (typeof query !== "object" || query === null) return out;
  for (const [key, value] of Object.entries(query)) if (typeof value === "string") out[key] = value;
  return out;
}

/**
 * Provider webhooks: `POST /webhooks/{channelAccountId}` (every provider) and the Meta GET handshake.
 * Public routes in their own encapsulated scope, whose only body parser keeps the exact bytes.
 */
export async function inboundWebhookRoutes(app: TApp, ctx: TAppContext): Promise<void> {
  await app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<ZodTypeProvider>();
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (request, body, done) => {
      request.rawBody = Buffer.isBuffer(body) ? body : Buffer.from(body);
      done(null, undefined);
    });

    scope.post(
      "/webhooks/:channelAccountId",
      {
        config: { public: true, rawBody: true },
        schema: {
          tags: ["webhooks"],
          summary: "Receive a provider webhook (signature verified on the raw body)",
          params: ZParams,
          security: [],
        },
      },
      async (request, reply) => {
        const receipt = await receiveWebhook(ctx, {
          channelAccountId: request.params.channelAccountId,
          rawBody: request.rawBody ?? Buffer.alloc(0),
          headers: request.headers,
          url: publicUrlOf(ctx, request),
          contentType: request.headers["content-type"] ?? "",
          requestId: String(request.id),
        });
        if (receipt.providerId === "twilio") return reply.status(200).type("text/xml").send(EMPTY_TWIML);
        const count = (kind: string) => receipt.outcomes.filter((o) => o.kind === kind).length;
        const duplicates = receipt.outcomes.filter(
          (o) => (o.kind === "message" || o.kind === "preference") && o.duplicate,
        ).length;
        return reply
          .status(200)
          .send({ received: receipt.outcomes.length, duplicates, rejected: count("rejected") });
      },
    );

    scope.get(
      "/webhooks/:channelAccountId",
      {
        config: { public: true },
        schema: {
          tags: ["webhooks"],
          summary: "Meta webhook verification handshake (hub.challenge)",
          params: ZParams,
          security: [],
        },
      },
      async (request, reply) => {
        const answer = await answerHandshake(ctx, {
          channelAccountId: request.params.channelAccountId,
          query: queryRecord(request.query),
        });
        if (!answer.ok)
          throw new AppError("forbidden", { message: "verify token mismatch", field: "hub.verify_token" });
        return reply.status(200).type("text/plain").send(answer.challenge);
      },
    );
  });
}
