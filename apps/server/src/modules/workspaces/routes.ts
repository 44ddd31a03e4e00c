import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { notFound } from "../../core/errors.js";
import { runIdempotent } from "../../core/idempotency.js";
import { page, ZListQuery } from "../../core/pagination.js";
import { actorOf, authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import { createBrand, type TBrand } from "./create-brand.js";
import { getBrand } from "./get-brand.js";
import { listBrands } from "./list-brands.js";

export const ZBrand = z.object({
  id: z.string(),
  name: z.string(),
  settings: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const isTimeZone = (value: string): boolean => {
  if (value.length === 0 || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
};
/**
 * The brand's sending window as the consent decisions read it (consent/quiet-hours.ts ZBrandQuietHours,
 * which this must accept exactly; a test checks both agree). Not imported: consent's index imports this
 * module's routes indirectly, and a cycle would leave one of them half-initialised.
 */
const ZQuietHoursSetting = z.object({
  start: z.string().regex(HHMM, "HH:MM, 00:00 to 23:59"),
  end: z.string().regex(HHMM, "HH:MM, 00:00 to 23:59"),
  timeZone: z.string().refine(isTimeZone, "an IANA time zone").optional(),
});

export const ZCreateBrandRequest = z
  .object({
    name: z.string().trim().min(1).max(200),
    settings: z
      .record(z.string(), z.unknown())
      .superRefine((settings, check) => {
        // The brand's sending window: one the decisions could not read would be ignored, and marketing
        // would go out at hours the brand forbade. Refused here, naming it.
        if (settings.quietHours === undefined) return;
        const parsed = ZQuietHoursSetting.safeParse(settings.quietHours);
        if (!parsed.success)
          check.addIssue({
            code: "custom",
            path: ["quietHours", ...(parsed.error.issues[0]?.path ?? [])],
            message: 'quietHours must be {"start":"HH:MM","end":"HH:MM","timeZone"?: an IANA zone}',
          });
      })
      .optional(),
  })
  .strict();

export function presentBrand(b: TBrand): z.infer<typeof ZBrand> {
  return { id: b.id, name: b.name, settings: b.settings, createdAt: b.createdAt.toISOString() };
}

export function workspaceRoutes(app: TApp, ctx: TAppContext): void {
  app.post(
    "/v1/brands",
    {
      schema: {
        tags: ["brands"],
        summary: "Create a brand",
        body: ZCreateBrandRequest,
        headers: z.object({ "idempotency-key": z.string().optional() }),
        response: { 201: ZBrand, 200: ZBrand },
      },
    },
    async (request, reply) => {
      const p = authorize(request, "brands:write");
      const result = await runIdempotent({
        db: ctx.db,
        workspaceId: p.workspaceId,
        keys: await ctx.keys.forWorkspace(ctx.db, p.workspaceId),
        key: request.headers["idempotency-key"],
        route: "POST /v1/brands",
        payload: request.body,
        run: async (tx) => {
          const brand = await createBrand(tx, {
            workspaceId: p.workspaceId,
            name: request.body.name,
            settings: request.body.settings,
            actor: actorOf(p),
            requestId: String(request.id),
          });
          return { statusCode: 201, body: presentBrand(brand) };
        },
      });
      return reply.status(201).send(result.body as z.infer<typeof ZBrand>);
    },
  );

  app.get(
    "/v1/brands",
    {
      schema: {
        tags: ["brands"],
        summary: "List brands",
        querystring: ZListQuery,
        response: { 200: z.object({ data: z.array(ZBrand), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const p = authorize(request, "brands:read");
      const found = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        listBrands(tx, {
          workspaceId: p.workspaceId,
          limit: request.query.limit,
          cursor: request.query.cursor,
        }),
      );
      const result = page(found, request.query.limit);
      return { data: result.data.map(presentBrand), nextCursor: result.nextCursor };
    },
  );

  app.get(
    "/v1/brands/:id",
    {
      schema: {
        tags: ["brands"],
        summary: "Get a brand",
        params: z.object({ id: z.string().max(100) }),
        response: { 200: ZBrand },
      },
    },
    async (request) => {
      const p = authorize(request, "brands:read");
      const brand = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        getBrand(tx, { workspaceId: p.workspaceId, brandId: request.params.id }),
      );
      if (!brand) throw notFound("brand");
      return presentBrand(brand);
    },
  );
}
