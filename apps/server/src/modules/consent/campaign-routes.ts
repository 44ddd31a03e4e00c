import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { notFound } from "../../core/errors.js";
import { runIdempotent } from "../../core/idempotency.js";
import { isId } from "../../core/ids.js";
import { page } from "../../core/pagination.js";
import { actorOf, authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import { createCampaign } from "./create-campaign.js";
import { getCampaign } from "./get-campaign.js";
import { listCampaigns } from "./list-campaigns.js";
import { presentCampaign, type TCampaignJson, ZCampaignJson } from "./presenters.js";
import { ZCampaignsQuery, ZCreateCampaignRequest, ZIdParams } from "./routes.schema.js";

/** Campaigns: the scope below a brand that a consent can be given for. */
export function campaignRoutes(app: TApp, ctx: TAppContext): void {
  app.post(
    "/v1/campaigns",
    {
      schema: {
        tags: ["campaigns"],
        summary: "Create a campaign of a brand",
        body: ZCreateCampaignRequest,
        headers: z.object({ "idempotency-key": z.string().optional() }),
        response: { 201: ZCampaignJson },
      },
    },
    async (request, reply) => {
      const p = authorize(request, "campaigns:write");
      const result = await runIdempotent({
        db: ctx.db,
        workspaceId: p.workspaceId,
        keys: await ctx.keys.forWorkspace(ctx.db, p.workspaceId),
        key: request.headers["idempotency-key"],
        route: "POST /v1/campaigns",
        payload: request.body,
        run: async (tx) => {
          const campaign = await createCampaign(tx, {
            workspaceId: p.workspaceId,
            ...request.body,
            actor: actorOf(p),
            requestId: String(request.id),
            at: ctx.clock(),
          });
          return { statusCode: 201, body: presentCampaign(campaign) };
        },
      });
      return reply.status(201).send(result.body as TCampaignJson);
    },
  );

  app.get(
    "/v1/campaigns",
    {
      schema: {
        tags: ["campaigns"],
        summary: "List campaigns",
        querystring: ZCampaignsQuery,
        response: { 200: z.object({ data: z.array(ZCampaignJson), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const p = authorize(request, "consent:read");
      const q = request.query;
      const found = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        listCampaigns(tx, { workspaceId: p.workspaceId, ...q }),
      );
      const result = page(found, q.limit);
      return { data: result.data.map(presentCampaign), nextCursor: result.nextCursor };
    },
  );

  app.get(
    "/v1/campaigns/:id",
    {
      schema: {
        tags: ["campaigns"],
        summary: "Get a campaign",
        params: ZIdParams,
        response: { 200: ZCampaignJson },
      },
    },
    async (request) => {
      const p = authorize(request, "consent:read");
      if (!isId("cmp", request.params.id)) throw notFound("campaign");
      const campaign = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        getCampaign(tx, { workspaceId: p.workspaceId, campaignId: request.params.id }),
      );
      if (!campaign) throw notFound("campaign");
      return presentCampaign(campaign);
    },
  );
}
