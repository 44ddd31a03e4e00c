import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { notFound } from "../../core/errors.js";
import { actorOf, authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import { LEGAL_DEFAULT_KEYWORDS } from "../intent/index.js";
import { OPT_OUT_REPLY_WINDOW_MS } from "./apply-opt-out.js";
import { getIntentSettings } from "./get-intent-settings.js";
import {
  type TIntentSettings,
  toIntentSettings,
  uncertainPolicies,
  ZIntentSettingsInput,
} from "./intent-settings.schema.js";
import { updateIntentSettings } from "./update-intent-settings.js";

const ZTexts = z.record(z.string(), z.string());
export const ZIntentSettingsView = z.object({
  brandId: z.string(),
  customKeywords: z.array(
    z.object({
      keyword: z.string(),
      intent: z.string(),
      language: z.string().optional(),
      country: z.string().optional(),
    }),
  ),
  confirmationTexts: z.object({
    opt_out: ZTexts.optional(),
    opt_out_marketing: ZTexts.optional(),
    opt_in: ZTexts.optional(),
    clarify: ZTexts.optional(),
  }),
  helpText: ZTexts.nullable(),
  uncertainPolicy: z.enum(uncertainPolicies),
  clarifyTimeoutHours: z.number(),
  /** Read-only: always opt-outs, whatever the brand configures. */
  legalDefaultKeywords: z.array(z.string()),
  /** Read-only: a repeated opt-out within this many hours gets no second confirmation. */
  optOutReplyWindowHours: z.number(),
});

function present(brandId: string, s: TIntentSettings): z.infer<typeof ZIntentSettingsView> {
  return {
    brandId,
    customKeywords: s.customKeywords,
    confirmationTexts: s.confirmationTexts,
    helpText: s.helpText ?? null,
    uncertainPolicy: s.uncertainPolicy,
    clarifyTimeoutHours: s.clarifyTimeoutHours,
    legalDefaultKeywords: [...LEGAL_DEFAULT_KEYWORDS],
    optOutReplyWindowHours: OPT_OUT_REPLY_WINDOW_MS / 3_600_000,
  };
}

const ZParams = z.object({ id: z.string().max(100) });

/** `GET` / `PUT /v1/brands/{id}/intent-settings`: custom keywords, reply texts, uncertain policy, help text. */
export function intentSettingsRoutes(app: TApp, ctx: TAppContext): void {
  app.get(
    "/v1/brands/:id/intent-settings",
    {
      schema: {
        tags: ["brands"],
        summary: "Get a brand's opt-out detection and reply settings",
        params: ZParams,
        response: { 200: ZIntentSettingsView },
      },
    },
    async (request) => {
      const p = authorize(request, "brands:read");
      const found = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        getIntentSettings(tx, { workspaceId: p.workspaceId, brandId: request.params.id }),
      );
      if (!found) throw notFound("brand");
      return present(found.brandId, found.settings);
    },
  );

  app.put(
    "/v1/brands/:id/intent-settings",
    {
      schema: {
        tags: ["brands"],
        summary: "Replace a brand's opt-out detection and reply settings",
        params: ZParams,
        body: ZIntentSettingsInput,
        response: { 200: ZIntentSettingsView },
      },
    },
    async (request) => {
      const p = authorize(request, "brands:write");
      const settings = toIntentSettings(request.body);
      const updated = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        updateIntentSettings(tx, {
          workspaceId: p.workspaceId,
          brandId: request.params.id,
          settings,
          actor: actorOf(p),
          requestId: String(request.id),
        }),
      );
      if (!updated) throw notFound("brand");
      return present(request.params.id, settings);
    },
  );
}
