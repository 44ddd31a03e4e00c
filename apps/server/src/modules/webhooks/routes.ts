import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { AppError, notFound } from "../../core/errors.js";
import { runIdempotent } from "../../core/idempotency.js";
import { page, ZListQuery } from "../../core/pagination.js";
import type { TRouteModule } from "../../http/app.js";
import { actorOf, authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import { checkWebhookUrl, type TResolveHost } from "./check-webhook-url.js";
import { createWebhookSubscription } from "./create-webhook-subscription.js";
import { deleteWebhookSubscription } from "./delete-webhook-subscription.js";
import { getWebhookDelivery } from "./get-webhook-delivery.js";
import { getWebhookSubscription } from "./get-webhook-subscription.js";
import { listWebhookDeliveries } from "./list-webhook-deliveries.js";
import { listWebhookSubscriptions } from "./list-webhook-subscriptions.js";
import { presentWebhookDelivery, presentWebhookSubscription } from "./presenters.js";
import { replayWebhookDelivery } from "./replay-webhook-delivery.js";
import { rotateWebhookSecret } from "./rotate-webhook-secret.js";
import {
  ZCreateWebhookRequest,
  ZDeliveryListQuery,
  ZDeliveryParams,
  ZRotateSecretRequest,
  ZUpdateWebhookRequest,
  ZWebhookDelivery,
  ZWebhookParams,
  ZWebhookSubscription,
  ZWebhookSubscriptionWithSecret,
} from "./routes.schema.js";
import { invalidateWebhookSubscriptions } from "./subscription-cache.js";
import { updateWebhookSubscription } from "./update-webhook-subscription.js";
import type { TWebhookOptions } from "./webhook-options.js";
import { useWebhookKeyRing } from "./workspace-keys-in-tx.js";

type TSubscription = z.infer<typeof ZWebhookSubscription>;
type TDelivery = z.infer<typeof ZWebhookDelivery>;
const tags = ["webhooks"];

/** The customer-webhook routes, with the URL policy of this deployment. */
export function createWebhookRoutes(
  options: TWebhookOptions & { resolveHost?: TResolveHost } = {},
): TRouteModule {
  const policy = {
    allowPrivate: options.allowPrivateUrls === true,
    ...(options.resolveHost ? { resolve: options.resolveHost } : {}),
  };
  const checkedUrl = async (raw: string): Promise<string> => {
    const checked = await checkWebhookUrl(raw, policy);
    if (!checked.ok)
      throw new AppError("validation_failed", { message: `url ${checked.message}`, field: "url" });
    return checked.url;
  };

  return (app: TApp, ctx: TAppContext) => {
    useWebhookKeyRing(ctx.keys);

    app.post(
      "/v1/webhooks",
      {
        schema: {
          tags,
          summary: "Subscribe an endpoint to events (the signing secret is shown once)",
          body: ZCreateWebhookRequest,
          headers: z.object({ "idempotency-key": z.string().optional() }),
          response: { 201: ZWebhookSubscriptionWithSecret },
        },
      },
      async (request, reply) => {
        const p = authorize(request, "webhooks:manage");
        const url = await checkedUrl(request.body.url);
        const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
        let secret: string | undefined;
        const result = await runIdempotent({
          db: ctx.db,
          workspaceId: p.workspaceId,
          keys,
          key: request.headers["idempotency-key"],
          route: "POST /v1/webhooks",
          payload: request.body,
          run: async (tx) => {
            const created = await createWebhookSubscription(tx, {
              workspaceId: p.workspaceId,
              keys,
              url,
              events: request.body.events,
              description: request.body.description,
              actor: actorOf(p),
              requestId: String(request.id),
              at: ctx.clock(),
            });
            secret = created.secret;
            // The stored answer (for Idempotency-Key replays) never holds the secret.
            return { statusCode: 201, body: presentWebhookSubscription(created.subscription) };
          },
        });
        invalidateWebhookSubscriptions(p.workspaceId);
        const body = result.body as TSubscription;
        return reply.status(201).send(result.replayed || secret === undefined ? body : { ...body, secret });
      },
    );

    app.get(
      "/v1/webhooks",
      {
        schema: {
          tags,
          summary: "List webhook subscriptions",
          querystring: ZListQuery,
          response: {
            200: z.object({ data: z.array(ZWebhookSubscription), nextCursor: z.string().nullable() }),
          },
        },
      },
      async (request) => {
        const p = authorize(request, "webhooks:manage");
        const found = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
          listWebhookSubscriptions(tx, {
            workspaceId: p.workspaceId,
            limit: request.query.limit,
            cursor: request.query.cursor,
          }),
        );
        const result = page(found, request.query.limit);
        return { data: result.data.map(presentWebhookSubscription), nextCursor: result.nextCursor };
      },
    );

    app.get(
      "/v1/webhooks/:id",
      {
        schema: {
          tags,
          summary: "Get a webhook subscription",
          params: ZWebhookParams,
          response: { 200: ZWebhookSubscription },
        },
      },
      async (request) => {
        const p = authorize(request, "webhooks:manage");
        const found = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
          getWebhookSubscription(tx, { workspaceId: p.workspaceId, subscriptionId: request.params.id }),
        );
        if (!found) throw notFound("webhook");
        return presentWebhookSubscription(found);
      },
    );

    app.patch(
      "/v1/webhooks/:id",
      {
        schema: {
          tags,
          summary: "Change the URL or events of a subscription, or enable/disable it",
          params: ZWebhookParams,
          body: ZUpdateWebhookRequest,
          response: { 200: ZWebhookSubscription },
        },
      },
      async (request) => {
        const p = authorize(request, "webhooks:manage");
        const url = request.body.url === undefined ? undefined : await checkedUrl(request.body.url);
        const updated = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
          updateWebhookSubscription(tx, {
            workspaceId: p.workspaceId,
            subscriptionId: request.params.id,
            patch: { ...request.body, url },
            actor: actorOf(p),
            requestId: String(request.id),
            at: ctx.clock(),
          }),
        );
        if (!updated) throw notFound("webhook");
        invalidateWebhookSubscriptions(p.workspaceId);
        return presentWebhookSubscription(updated);
      },
    );

    app.delete(
      "/v1/webhooks/:id",
      {
        schema: {
          tags,
          summary: "Delete a subscription and its delivery log",
          params: ZWebhookParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        const p = authorize(request, "webhooks:manage");
        const deleted = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
          deleteWebhookSubscription(tx, {
            workspaceId: p.workspaceId,
            subscriptionId: request.params.id,
            actor: actorOf(p),
            requestId: String(request.id),
          }),
        );
        if (!deleted) throw notFound("webhook");
        invalidateWebhookSubscriptions(p.workspaceId);
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/v1/webhooks/:id/rotate-secret",
      {
        schema: {
          tags,
          summary:
            "Replace the signing secret (shown once); the old one keeps signing for graceSeconds (default 24 h)",
          params: ZWebhookParams,
          body: ZRotateSecretRequest,
          response: { 200: ZWebhookSubscriptionWithSecret },
        },
      },
      async (request) => {
        const p = authorize(request, "webhooks:manage");
        const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
        const rotated = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
          rotateWebhookSecret(tx, {
            workspaceId: p.workspaceId,
            subscriptionId: request.params.id,
            keys,
            graceSeconds: request.body?.graceSeconds,
            actor: actorOf(p),
            requestId: String(request.id),
            at: ctx.clock(),
          }),
        );
        if (!rotated) throw notFound("webhook");
        return { ...presentWebhookSubscription(rotated.subscription), secret: rotated.secret };
      },
    );

    app.get(
      "/v1/webhooks/:id/deliveries",
      {
        schema: {
          tags,
          summary: "The delivery log of a subscription, newest first",
          params: ZWebhookParams,
          querystring: ZDeliveryListQuery,
          response: { 200: z.object({ data: z.array(ZWebhookDelivery), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => {
        const p = authorize(request, "webhooks:manage");
        const found = await withWorkspaceTx(ctx.db, p.workspaceId, async (tx) => {
          const subscription = await getWebhookSubscription(tx, {
            workspaceId: p.workspaceId,
            subscriptionId: request.params.id,
          });
          if (!subscription) return undefined;
          return listWebhookDeliveries(tx, {
            workspaceId: p.workspaceId,
            subscriptionId: subscription.id,
            limit: request.query.limit,
            cursor: request.query.cursor,
            status: request.query.status,
          });
        });
        if (!found) throw notFound("webhook");
        const result = page(found.deliveries, request.query.limit);
        return {
          data: result.data.map((d) => presentWebhookDelivery(d, found.attempts.get(d.id) ?? [])),
          nextCursor: result.nextCursor,
        };
      },
    );

    app.get(
      "/v1/webhooks/:id/deliveries/:deliveryId",
      {
        schema: {
          tags,
          summary: "One delivery with its attempts",
          params: ZDeliveryParams,
          response: { 200: ZWebhookDelivery },
        },
      },
      async (request) => {
        const p = authorize(request, "webhooks:manage");
        const found = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
          getWebhookDelivery(tx, {
            workspaceId: p.workspaceId,
            subscriptionId: request.params.id,
            deliveryId: request.params.deliveryId,
          }),
        );
        if (!found) throw notFound("delivery");
        return presentWebhookDelivery(found.delivery, found.attempts);
      },
    );

    app.post(
      "/v1/webhooks/:id/deliveries/:deliveryId/replay",
      {
        schema: {
          tags,
          summary: "Send a delivery's event again (a new delivery, same event id)",
          params: ZDeliveryParams,
          headers: z.object({ "idempotency-key": z.string().optional() }),
          response: { 202: ZWebhookDelivery },
        },
      },
      async (request, reply) => {
        const p = authorize(request, "webhooks:manage");
        const { id, deliveryId } = request.params;
        const result = await runIdempotent({
          db: ctx.db,
          workspaceId: p.workspaceId,
          keys: await ctx.keys.forWorkspace(ctx.db, p.workspaceId),
          key: request.headers["idempotency-key"],
          route: "POST /v1/webhooks/:id/deliveries/:deliveryId/replay",
          payload: request.params,
          run: async (tx) => {
            const replayed = await replayWebhookDelivery(tx, {
              workspaceId: p.workspaceId,
              subscriptionId: id,
              deliveryId,
              actor: actorOf(p),
              requestId: String(request.id),
              at: ctx.clock(),
            });
            if (!replayed) throw notFound("delivery");
            return { statusCode: 202, body: presentWebhookDelivery(replayed, []) };
          },
        });
        return reply.status(202).send(result.body as TDelivery);
      },
    );
  };
}

/** The routes with private targets refused (production default). */
export const webhookRoutes: TRouteModule = createWebhookRoutes();
