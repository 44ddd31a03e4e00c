import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { runIdempotent } from "../../core/idempotency.js";
import { page, ZListQuery } from "../../core/pagination.js";
import { actorOf, authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import { resolveContactByAddress } from "../contacts/index.js";
import { listSandboxOutbox, receivedStatuses, type TOutboxItem } from "./list-sandbox-outbox.js";
import { simulateInbound, type TSimulatedInbound } from "./simulate-inbound.js";

export const ZSandboxInboundRequest = z
  .object({
    brandId: z.string().min(1).max(100),
    /** The simulated customer's address (a phone number is normalised to E.164). */
    from: z.string().trim().min(1).max(256),
    body: z.string().min(1).max(4096),
  })
  .strict();

export const ZSandboxInboundResponse = z.object({
  inboundMessageId: z.string(),
  channelAccountId: z.string(),
  contactId: z.string(),
  duplicate: z.boolean(),
  intent: z
    .object({
      intent: z.string(),
      confidence: z.number(),
      language: z.string(),
      source: z.string(),
      matched: z.string().optional(),
      uncertain: z.boolean(),
    })
    .nullable(),
  action: z.string().nullable(),
  ledgerEntryId: z.string().nullable(),
  suppressedMessages: z.number(),
  replyMessageId: z.string().nullable(),
});

const ZOutboxQuery = ZListQuery.extend({
  to: z.string().trim().min(1).max(256).optional(),
  brandId: z.string().min(1).max(100).optional(),
  status: z
    .enum([
      "queued",
      "scheduled",
      "sending",
      "sent",
      "delivered",
      "read",
      "failed",
      "undelivered",
      "suppressed",
      "unknown",
    ])
    .optional(),
});

export const ZOutboxItem = z.object({
  id: z.string(),
  to: z.string().nullable(),
  brandId: z.string(),
  channelAccountId: z.string(),
  body: z.string().nullable(),
  media: z.array(z.unknown()).nullable(),
  template: z.unknown().nullable(),
  status: z.string(),
  reason: z.string().nullable(),
  kind: z.string().nullable(),
  inReplyTo: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

function presentInbound(r: TSimulatedInbound): z.infer<typeof ZSandboxInboundResponse> {
  return {
    inboundMessageId: r.inboundMessageId,
    channelAccountId: r.channelAccountId,
    contactId: r.contactId,
    duplicate: r.duplicate,
    intent: r.intent,
    action: r.action,
    ledgerEntryId: r.ledgerEntryId,
    suppressedMessages: r.suppressed,
    replyMessageId: r.replyMessageId,
  };
}

function presentOutbox(i: TOutboxItem): z.infer<typeof ZOutboxItem> {
  return { ...i, createdAt: i.createdAt.toISOString(), sentAt: i.sentAt?.toISOString() ?? null };
}

/** The sandbox channel: simulate a customer's message, and see what the simulated phone received. */
export function sandboxRoutes(app: TApp, ctx: TAppContext): void {
  app.post(
    "/v1/sandbox/inbound",
    {
      schema: {
        tags: ["sandbox"],
        summary: "Simulate a customer's message on the brand's sandbox channel",
        body: ZSandboxInboundRequest,
        headers: z.object({ "idempotency-key": z.string().optional() }),
        response: { 201: ZSandboxInboundResponse },
      },
    },
    async (request, reply) => {
      const p = authorize(request, "messages:send");
      const result = await runIdempotent({
        db: ctx.db,
        workspaceId: p.workspaceId,
        keys: await ctx.keys.forWorkspace(ctx.db, p.workspaceId),
        key: request.headers["idempotency-key"],
        route: "POST /v1/sandbox/inbound",
        payload: request.body,
        run: async (tx) => {
          const done = await simulateInbound(tx, ctx, {
            workspaceId: p.workspaceId,
            brandId: request.body.brandId,
            from: request.body.from,
            body: request.body.body,
            actor: actorOf(p),
            requestId: String(request.id),
          });
          return { statusCode: 201, body: presentInbound(done) };
        },
      });
      return reply.status(201).send(result.body as z.infer<typeof ZSandboxInboundResponse>);
    },
  );

  app.get(
    "/v1/sandbox/outbox",
    {
      schema: {
        tags: ["sandbox"],
        summary: "Messages the simulated phone received (newest first)",
        querystring: ZOutboxQuery,
        response: { 200: z.object({ data: z.array(ZOutboxItem), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const p = authorize(request, "messages:read");
      const q = request.query;
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      const items = await withWorkspaceTx(ctx.db, p.workspaceId, async (tx) => {
        let contactId: string | undefined;
        let to: string | undefined;
        if (q.to !== undefined) {
          // The messages sent to that address: its contact's, whose own recipient it is (a contact may
          // have several addresses on the channel).
          const found = await resolveContactByAddress(tx, keys, {
            workspaceId: p.workspaceId,
            channel: "sandbox",
            address: q.to,
            create: false,
            field: "to",
          });
          if (!found) return [];
          contactId = found.contactId;
          to = found.address;
        }
        return listSandboxOutbox(tx, keys, {
          workspaceId: p.workspaceId,
          contactId,
          to,
          brandId: q.brandId,
          statuses: q.status ? [q.status] : receivedStatuses,
          limit: q.limit,
          cursor: q.cursor,
        });
      });
      const result = page(items, q.limit);
      return { data: result.data.map(presentOutbox), nextCursor: result.nextCursor };
    },
  );
}
