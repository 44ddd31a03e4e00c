import { sql } from "drizzle-orm";
import type { FastifyReply } from "fastify";
import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { rows, withWorkspaceTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import type { TApp } from "../../http/types.js";
import { confirmConsent } from "./confirm-consent.js";
import { confirmLinkToken, type TConfirmLink } from "./confirm-link-token.js";
import { findGrant } from "./find-grant.js";

const ZConfirmLinkQuery = z.object({ token: z.string().min(1).max(300) });

const esc = (v: string) =>
  v
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");

function page(reply: FastifyReply, status: number, title: string, text: string, token?: string): string {
  void reply
    .status(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("referrer-policy", "no-referrer");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#111}</style>
</head><body><h1>${esc(title)}</h1><p>${esc(text)}</p>${
    token === undefined
      ? ""
      : `<form method="post" action="/v1/consents/confirm"><input type="hidden" name="token" value="${esc(token)}"><button type="submit">Confirm</button></form>`
  }</body></html>
`;
}

/** The workspace's keys, or null when the workspace does not exist (a forged link). */
async function keysOf(ctx: TAppContext, workspaceId: string): Promise<TWorkspaceKeys | null> {
  try {
    return await ctx.keys.forWorkspace(ctx.db, workspaceId);
  } catch {
    return null;
  }
}

/** The link's workspace keys and content when it is genuine and current, else the error page to answer. */
async function checkLink(
  ctx: TAppContext,
  reply: FastifyReply,
  token: string,
): Promise<string | { link: TConfirmLink & { exp: string; mac: string }; keys: TWorkspaceKeys }> {
  const link = confirmLinkToken.parse(token);
  if (!link)
    return page(reply, 400, "This link is not valid", "Please use the link exactly as you received it.");
  const keys = await keysOf(ctx, link.workspaceId);
  if (!keys || !confirmLinkToken.verify(keys, link))
    return page(reply, 404, "This link is not valid", "Please use the link exactly as you received it.");
  if (link.expiresAt.getTime() <= ctx.clock().getTime())
    return page(reply, 400, "This link has expired", "Please ask for a new one.");
  return { link, keys };
}

/**
 * The double-opt-in link a contact receives, in two steps so that link previews and mail scanners, which
 * open links on their own, confirm nothing:
 * - `GET /v1/consents/confirm?token=…` (public) checks the link and answers a page with a Confirm button;
 *   it writes nothing.
 * - `POST /v1/consents/confirm` (public, form or JSON `token`) is the button: it confirms the pending grant
 *   the link names, recorded as the contact's act with the click's IP and user agent (sealed).
 * A forged link is 404, an expired one 400, a withdrawn or lapsed grant 422, and none of them changes
 * anything. Confirming again is harmless.
 */
export function confirmLinkRoutes(app: TApp, ctx: TAppContext): void {
  app.get(
    "/v1/consents/confirm",
    {
      config: { public: true, rateLimit: { max: 30, timeWindow: "1 minute" } },
      schema: {
        tags: ["consent"],
        summary: "Confirm a double opt-in by its signed link (public; answers an HTML page)",
        querystring: ZConfirmLinkQuery,
        security: [],
      },
    },
    async (request, reply) => {
      const checked = await checkLink(ctx, reply, request.query.token);
      if (typeof checked === "string") return checked;
      return page(
        reply,
        200,
        "Confirm your subscription",
        "Press the button to confirm that you agree to receive these messages. You can stop them at any time.",
        request.query.token,
      );
    },
  );

  app.post(
    "/v1/consents/confirm",
    {
      config: { public: true, rateLimit: { max: 30, timeWindow: "1 minute" } },
      schema: {
        tags: ["consent"],
        summary:
          "Confirm a double opt-in: the button of the signed link's page (public; answers an HTML page)",
        body: ZConfirmLinkQuery,
        security: [],
      },
    },
    async (request, reply) => {
      const checked = await checkLink(ctx, reply, request.body.token);
      if (typeof checked === "string") return checked;
      const { link, keys } = checked;
      const at = ctx.clock();
      try {
        const brand = await withWorkspaceTx(ctx.db, link.workspaceId, async (tx) => {
          const grant = await findGrant(tx, { workspaceId: link.workspaceId, grantId: link.grantId });
          const ua = request.headers["user-agent"];
          await confirmConsent(tx, {
            workspaceId: link.workspaceId,
            grantId: link.grantId,
            method: "link",
            ipSealed: encryptField(keys, link.workspaceId, request.ip),
            userAgentSealed: ua ? encryptField(keys, link.workspaceId, ua.slice(0, 1000)) : null,
            actor: { type: "contact", id: grant.contactId },
            requestId: String(request.id),
            at,
          });
          const [b] = await rows<{ name: string }>(
            tx,
            sql`select name from brands where workspace_id = ${link.workspaceId} and id = ${grant.brandId}`,
          );
          return b?.name ?? "";
        });
        return page(
          reply,
          200,
          "Subscription confirmed",
          `Thank you. ${brand ? `${brand} may now send you the messages you agreed to.` : "Your consent is confirmed."} You can stop them at any time.`,
        );
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        if (error.code === "not_found")
          return page(
            reply,
            404,
            "This link is not valid",
            "Please use the link exactly as you received it.",
          );
        return page(reply, error.status, "This consent cannot be confirmed", error.message);
      }
    },
  );
}
