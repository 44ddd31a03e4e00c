import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { notFound } from "../../core/errors.js";
import { runIdempotent } from "../../core/idempotency.js";
import { page, ZListQuery } from "../../core/pagination.js";
import { actorOf, authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import { providerIds } from "../channels/index.js";
import { forgetChannelAccounts } from "./channel-account-cache.js";
import { createChannelAccount } from "./create-channel-account.js";
import { disableChannelAccount } from "./disable-channel-account.js";
import { getChannelAccount } from "./get-channel-account.js";
import { listChannelAccounts } from "./list-channel-accounts.js";
import { messageChannels, type TChannelAccountRow } from "./messaging.types.js";
import { ZId } from "./send-message.schema.js";

export const ZCreateChannelAccountRequest = z.strictObject({
  brandId: ZId,
  channel: z.enum(messageChannels),
  providerId: z.enum(providerIds),
  name: z.string().trim().min(1).max(200),
  /** The sender: E.164 number, WhatsApp phone number id, bot id… (defaults to what the credentials name). */
  address: z.string().trim().min(1).max(256).optional(),
  credentials: z.record(z.string().max(100), z.unknown()).default({}),
  rateLimit: z
    .strictObject({
      perSecond: z.number().positive().max(100_000),
      perRecipientPerSecond: z.number().positive().max(1_000).optional(),
    })
    .optional(),
  /** Twilio-compatible sends through this sender use this campaign (and its category). */
  defaultCampaignId: ZId.optional(),
});

export const ZChannelAccount = z.object({
  id: z.string(),
  brandId: z.string(),
  channel: z.string(),
  providerId: z.string(),
  name: z.string(),
  address: z.string().nullable(),
  messagingServiceSid: z.string().nullable(),
  defaultCampaignId: z.string().nullable(),
  rateLimit: z.object({
    perSecond: z.number(),
    perRecipientPerSecond: z.number().nullable(),
    unit: z.string(),
  }),
  status: z.enum(["active", "disabled"]),
  webhookUrl: z.string(),
  createdAt: z.string(),
  /** Only in the creation answer of sandbox and fake senders, once. */
  webhookSecret: z.string().optional(),
});
export type TChannelAccountJson = z.infer<typeof ZChannelAccount>;

export function presentChannelAccount(a: TChannelAccountRow, publicUrl: string): TChannelAccountJson {
  return {
    id: a.id,
    brandId: a.brandId,
    channel: a.channel,
    providerId: a.providerId,
    name: a.name,
    address: a.address,
    messagingServiceSid: a.messagingServiceSid,
    defaultCampaignId: a.defaultCampaignId,
    rateLimit: { perSecond: a.ratePerSecond, perRecipientPerSecond: a.ratePerRecipient, unit: a.rateUnit },
    status: a.status,
    webhookUrl: `${publicUrl.replace(/\/+$/, "")}/webhooks/${a.id}`,
    createdAt: a.createdAt.toISOString(),
  };
}

export function publicUrlOf(ctx: TAppContext): string {
  return ctx.config.publicUrl ?? `http://localhost:${ctx.config.port}`;
}

/** `POST/GET /v1/channel-accounts`, `GET/DELETE /v1/channel-accounts/{id}` (scope channels:manage). */
export function channelAccountRoutes(app: TApp, ctx: TAppContext): void {
  const base = publicUrlOf(ctx);

  app.post(
    "/v1/channel-accounts",
    {
      schema: {
        tags: ["channel-accounts"],
        summary: "Create a sender (credentials are sealed and never returned)",
        body: ZCreateChannelAccountRequest,
        headers: z.object({ "idempotency-key": z.string().optional() }),
        response: { 201: ZChannelAccount },
      },
    },
    async (request, reply) => {
      const p = authorize(request, "channels:manage");
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      // The secret is shown once: never stored with the idempotent answer, never replayed.
      let webhookSecret: string | undefined;
      const result = await runIdempotent({
        db: ctx.db,
        workspaceId: p.workspaceId,
        keys,
        key: request.headers["idempotency-key"],
        route: "POST /v1/channel-accounts",
        payload: request.body,
        run: async (tx) => {
          const created = await createChannelAccount(tx, keys, {
            workspaceId: p.workspaceId,
            input: request.body,
            actor: actorOf(p),
            requestId: String(request.id),
          });
          webhookSecret = created.webhookSecret;
          return { statusCode: 201, body: presentChannelAccount(created.account, base) };
        },
      });
      forgetChannelAccounts(p.workspaceId);
      const body = result.body as TChannelAccountJson;
      return reply
        .status(201)
        .send(!result.replayed && webhookSecret !== undefined ? { ...body, webhookSecret } : body);
    },
  );

  app.get(
    "/v1/channel-accounts",
    {
      schema: {
        tags: ["channel-accounts"],
        summary: "List senders",
        querystring: ZListQuery.extend({ brandId: ZId.optional() }),
        response: { 200: z.object({ data: z.array(ZChannelAccount), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const p = authorize(request, "channels:manage");
      const found = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        listChannelAccounts(tx, { workspaceId: p.workspaceId, ...request.query }),
      );
      const result = page(found, request.query.limit);
      return { data: result.data.map((a) => presentChannelAccount(a, base)), nextCursor: result.nextCursor };
    },
  );

  app.get(
    "/v1/channel-accounts/:id",
    {
      schema: {
        tags: ["channel-accounts"],
        summary: "Get a sender",
        params: z.object({ id: ZId }),
        response: { 200: ZChannelAccount },
      },
    },
    async (request) => {
      const p = authorize(request, "channels:manage");
      const account = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        getChannelAccount(tx, { workspaceId: p.workspaceId, channelAccountId: request.params.id }),
      );
      if (!account) throw notFound("channel account");
      return presentChannelAccount(account, base);
    },
  );

  app.delete(
    "/v1/channel-accounts/:id",
    {
      schema: {
        tags: ["channel-accounts"],
        summary: "Disable a sender (its queued messages fail with channel_account_disabled)",
        params: z.object({ id: ZId }),
        response: { 200: ZChannelAccount },
      },
    },
    async (request) => {
      const p = authorize(request, "channels:manage");
      const account = await withWorkspaceTx(ctx.db, p.workspaceId, async (tx) => {
        const done = await disableChannelAccount(tx, {
          workspaceId: p.workspaceId,
          channelAccountId: request.params.id,
          actor: actorOf(p),
          requestId: String(request.id),
          now: ctx.clock(),
        });
        return done.found
          ? getChannelAccount(tx, { workspaceId: p.workspaceId, channelAccountId: request.params.id })
          : undefined;
      });
      if (!account) throw notFound("channel account");
      forgetChannelAccounts(p.workspaceId);
      return presentChannelAccount(account, base);
    },
  );
}
