import type { TAppContext } from "../../core/context.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { AppError, notFound } from "../../core/errors.js";
import { isId } from "../../core/ids.js";
import { authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import { exportConsentProof } from "./export-consent-proof.js";
import { proofToCsv } from "./proof-csv.js";
import { proofToHtml } from "./proof-html.js";
import { readMessageDecision } from "./read-message-decision.js";
import { ZIdParams, ZProofDocumentQuery } from "./routes.schema.js";

/**
 * `GET /v1/contacts/{id}/consent-proof?format=json|csv|html[&brandId=][&messageId=][&includeIdentifiers=true]`:
 * the proof of a contact's consent, as data or as a readable document. The contact is named by its id
 * only, unless a privacy:admin caller asks for identifiers. `/v1/contacts/{id}/consent/proof` is the same
 * route under its earlier path (same parameters, same rule for identifiers).
 */
export function proofRoutes(app: TApp, ctx: TAppContext): void {
  for (const url of ["/v1/contacts/:id/consent-proof", "/v1/contacts/:id/consent/proof"])
    proofRoute(app, ctx, url);
}

function proofRoute(app: TApp, ctx: TAppContext, url: string): void {
  app.get(
    url,
    {
      schema: {
        tags: ["consent"],
        summary: "Proof of a contact's consent (JSON, CSV, or an HTML document for a regulator or a court)",
        params: ZIdParams,
        querystring: ZProofDocumentQuery,
      },
    },
    async (request, reply) => {
      const p = authorize(request, "consent:read");
      const q = request.query;
      if (q.includeIdentifiers) authorize(request, "privacy:admin");
      const contactId = request.params.id;
      if (!isId("ctc", contactId)) throw notFound("contact");
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      const proof = await withWorkspaceTx(ctx.db, p.workspaceId, async (tx) => {
        const message = q.messageId
          ? await readMessageDecision(tx, {
              workspaceId: p.workspaceId,
              contactId,
              messageId: q.messageId,
              brandId: q.brandId,
            })
          : null;
        if (q.messageId && !message)
          throw new AppError("not_found", {
            message: q.brandId
              ? "no such message for this contact and brand"
              : "no such message for this contact",
            field: "messageId",
          });
        return exportConsentProof(tx, keys, {
          workspaceId: p.workspaceId,
          contactId,
          brandId: q.brandId,
          at: ctx.clock(),
          identifiers: q.includeIdentifiers,
          message,
        });
      });
      const name = `consent-proof-${contactId}${q.messageId ? `-${q.messageId}` : ""}`;
      void reply.header("cache-control", "no-store");
      if (q.format === "html") {
        void reply
          .header("content-type", "text/html; charset=utf-8")
          .header("content-disposition", `attachment; filename="${name}.html"`);
        return proofToHtml(proof);
      }
      if (q.format === "csv") {
        void reply
          .header("content-type", "text/csv; charset=utf-8")
          .header("content-disposition", `attachment; filename="${name}.csv"`);
        return proofToCsv(proof);
      }
      void reply.header("content-disposition", `attachment; filename="${name}.json"`);
      return proof;
    },
  );
}
