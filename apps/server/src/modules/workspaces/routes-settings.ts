import { eq } from "drizzle-orm";
import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import type { TTx } from "../../core/db/tx.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { notFound } from "../../core/errors.js";
import { actorOf, authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import { type TWorkspaceRow, updateWorkspaceSettings } from "./update-workspace-settings.js";
import { workspaces } from "./workspaces.tables.js";

export const ZWorkspaceSettings = z.object({
  id: z.string(),
  name: z.string(),
  /** Twilio-compatible account SID of this workspace (`AC…`). */
  accountSid: z.string(),
  requireMfa: z.boolean(),
  createdAt: z.string(),
});

export const ZUpdateWorkspaceRequest = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .refine((v) => !v.includes("\u0000"), "must not contain NUL characters")
      .optional(),
    requireMfa: z.boolean().optional(),
  })
  .strict();

function presentWorkspace(w: TWorkspaceRow): z.infer<typeof ZWorkspaceSettings> {
  return {
    id: w.id,
    name: w.name,
    accountSid: w.accountSid,
    requireMfa: w.requireMfa,
    createdAt: w.createdAt.toISOString(),
  };
}

async function readWorkspace(tx: TTx, workspaceId: string): Promise<TWorkspaceRow> {
  const found = (await tx.select().from(workspaces).where(eq(workspaces.id, workspaceId)))[0];
  if (!found) throw notFound("workspace");
  return found;
}

/** `GET /v1/workspace` (workspace:read) and `PATCH /v1/workspace` (workspace:manage): the caller's workspace. */
export function workspaceSettingsRoutes(app: TApp, ctx: TAppContext): void {
  app.get(
    "/v1/workspace",
    {
      schema: {
        tags: ["workspace"],
        summary: "This workspace and its settings",
        response: { 200: ZWorkspaceSettings },
      },
    },
    async (request) => {
      const p = authorize(request, "workspace:read");
      return presentWorkspace(
        await withWorkspaceTx(ctx.db, p.workspaceId, (tx) => readWorkspace(tx, p.workspaceId)),
      );
    },
  );

  app.patch(
    "/v1/workspace",
    {
      schema: {
        tags: ["workspace"],
        summary: "Change workspace settings (name, requireMfa)",
        body: ZUpdateWorkspaceRequest,
        response: { 200: ZWorkspaceSettings },
      },
    },
    async (request) => {
      const p = authorize(request, "workspace:manage");
      const updated = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        updateWorkspaceSettings(tx, {
          workspaceId: p.workspaceId,
          patch: request.body,
          actor: actorOf(p),
          requestId: String(request.id),
        }),
      );
      return presentWorkspace(updated);
    },
  );
}
