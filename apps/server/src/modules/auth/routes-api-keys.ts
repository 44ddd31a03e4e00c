import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { page } from "../../core/pagination.js";
import { actorOf, authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import { ZId, ZIdListQuery, ZName } from "./auth.schemas.js";
import { createApiKey } from "./create-api-key.js";
import { listApiKeys } from "./list-api-keys.js";
import { apiKeyScopes, rolePermissions } from "./permissions.js";
import { revokeApiKey } from "./revoke-api-key.js";

const ZApiKey = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  createdAt: z.string(),
});
const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function apiKeyRoutes(app: TApp, ctx: TAppContext): void {
  app.post(
    "/v1/api-keys",
    {
      schema: {
        tags: ["api keys"],
        summary: "Create an API key (the secret is shown once)",
        body: z
          .object({
            name: ZName.pipe(z.string().max(100)),
            scopes: z.array(z.enum(apiKeyScopes)).min(1),
            expiresAt: z.iso.datetime({ offset: true }).optional(),
          })
          .strict(),
        response: { 201: ZApiKey.extend({ key: z.string() }) },
      },
    },
    async (request, reply) => {
      const p = authorize(request, "api_keys:manage");
      const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt) : null;
      // Nobody mints a key stronger than themselves: a key grants only its own scopes, a person only
      // what their role may do (a developer cannot mint privacy:admin).
      const own = p.kind === "api_key" ? p.scopes : p.role ? rolePermissions[p.role] : [];
      const beyond = request.body.scopes.find((scope) => !own.includes(scope));
      if (beyond) {
        throw new AppError("forbidden", {
          message: `${p.kind === "api_key" ? "an API key" : "your role"} cannot grant a scope it lacks (${beyond})`,
          field: "scopes",
        });
      }
      const created = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        createApiKey(tx, {
          workspaceId: p.workspaceId,
          name: request.body.name,
          scopes: [...new Set(request.body.scopes)],
          expiresAt,
          actor: actorOf(p),
          requestId: String(request.id),
        }),
      );
      return reply.status(201).send({
        id: created.id,
        name: created.name,
        prefix: created.prefix,
        scopes: [...created.scopes],
        key: created.key,
        expiresAt: iso(created.expiresAt),
        revokedAt: null,
        lastUsedAt: null,
        createdAt: created.createdAt.toISOString(),
      });
    },
  );

  app.get(
    "/v1/api-keys",
    {
      schema: {
        tags: ["api keys"],
        summary: "List API keys (never the secrets)",
        querystring: ZIdListQuery,
        response: { 200: z.object({ data: z.array(ZApiKey), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const p = authorize(request, "api_keys:manage");
      const found = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        listApiKeys(tx, {
          workspaceId: p.workspaceId,
          limit: request.query.limit,
          cursor: request.query.cursor,
        }),
      );
      const r = page(found, request.query.limit);
      return {
        data: r.data.map((k) => ({
          id: k.id,
          name: k.name,
          prefix: k.prefix,
          scopes: k.scopes,
          expiresAt: iso(k.expiresAt),
          revokedAt: iso(k.revokedAt),
          lastUsedAt: iso(k.lastUsedAt),
          createdAt: k.createdAt.toISOString(),
        })),
        nextCursor: r.nextCursor,
      };
    },
  );

  app.delete(
    "/v1/api-keys/:id",
    {
      schema: {
        tags: ["api keys"],
        summary: "Revoke an API key",
        params: z.object({ id: ZId }),
      },
    },
    async (request, reply) => {
      const p = authorize(request, "api_keys:manage");
      await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        revokeApiKey(tx, {
          workspaceId: p.workspaceId,
          keyId: request.params.id,
          actor: actorOf(p),
          requestId: String(request.id),
        }),
      );
      return reply.status(204).send();
    },
  );
}
