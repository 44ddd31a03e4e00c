import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { runIdempotent } from "../../core/idempotency.js";
import { actorOf, authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import { ZBasis, ZCategory } from "./consent.types.js";
import { csvColumns, csvImportRecords, type TCsvProblem } from "./csv-import-records.js";
import { importConsents } from "./import-consents.js";
import { importEvidenceProblems } from "./import-evidence.js";

const ZId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, "not an id");
const ZCsvImportQuery = z.object({
  brandId: ZId,
  campaignId: ZId.optional(),
  /** Default: the campaign's category, else marketing. */
  category: ZCategory.optional(),
  basis: ZBasis.default("consent"),
  implied: z.enum(["purchase", "inquiry"]).optional(),
});
const ZImportResult = z.object({
  imported: z.number(),
  contactsCreated: z.number(),
  skipped: z.array(z.object({ row: z.number(), reason: z.enum(["minor", "erased"]) })),
  alreadyOptedOut: z.number(),
});

function refuse(problems: TCsvProblem[]): AppError {
  const sorted = [...problems].sort((a, b) => a.row - b.row);
  const first = sorted[0];
  const rows = new Set(sorted.map((p) => p.row)).size;
  return new AppError("validation_failed", {
    message: `${rows} row(s) refused, nothing imported${first ? `; row ${first.row}: ${first.reason}` : ""}`,
    field: first ? `rows[${first.row}]${first.column ? `.${first.column}` : ""}` : "body",
    details: { problems: sorted.slice(0, 1000) },
  });
}

/**
 * `POST /v1/consents/import.csv?brandId=…` with a `text/csv` body: consents gathered elsewhere, one row
 * each with its evidence columns, all or nothing. Every row that lacks evidence (method, source, wording
 * or, with method double_opt_in, paper or import, a confirmation reference, capture time) or has a bad
 * value is reported by row number and reason.
 */
export async function importCsvRoutes(app: TApp, ctx: TAppContext): Promise<void> {
  // Encapsulated, so that the CSV body parser serves this route only.
  await app.register(async (scope: TApp) => {
    scope.addContentTypeParser(["text/csv", "application/csv"], { parseAs: "string" }, (_req, body, done) =>
      done(null, body),
    );
    scope.post(
      "/v1/consents/import.csv",
      {
        bodyLimit: 5 * 1024 * 1024,
        schema: {
          tags: ["consent"],
          summary: "Import consents from CSV with evidence columns (up to 1000 rows, all or nothing)",
          querystring: ZCsvImportQuery,
          body: z.string().max(5 * 1024 * 1024),
          headers: z.object({ "idempotency-key": z.string().optional() }),
          response: { 201: ZImportResult },
        },
      },
      async (request, reply) => {
        const p = authorize(request, "consent:write");
        const q = request.query;
        const at = ctx.clock();
        const parsed = csvImportRecords(request.body);
        const evidence = importEvidenceProblems({ records: parsed.records, shared: { basis: q.basis }, at });
        // A cell that is there but unreadable is one problem, not also a missing piece of evidence.
        const seen = new Set(parsed.problems.map((p) => `${p.row}:${p.column}`));
        const problems = [
          ...parsed.problems,
          ...evidence
            .map((e) => ({ row: parsed.rowOf[e.index] ?? 0, column: csvColumns[e.field], reason: e.reason }))
            .filter((e) => !seen.has(`${e.row}:${e.column}`)),
        ];
        if (problems.length > 0) throw refuse(problems);
        const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
        const result = await runIdempotent({
          db: ctx.db,
          workspaceId: p.workspaceId,
          keys,
          key: request.headers["idempotency-key"],
          route: "POST /v1/consents/import.csv",
          payload: { query: q, body: request.body },
          run: async (tx) => {
            const r = await importConsents(tx, keys, {
              workspaceId: p.workspaceId,
              brandId: q.brandId,
              records: parsed.records,
              grant: { campaignId: q.campaignId, category: q.category, basis: q.basis, implied: q.implied },
              naming: {
                field: (i, f) => `rows[${parsed.rowOf[i] ?? 0}].${csvColumns[f]}`,
                row: (i) => parsed.rowOf[i] ?? 0,
                // The scope all rows share comes from the query string.
                shared: (f) => f,
              },
              actor: actorOf(p),
              requestId: String(request.id),
              at,
            });
            return {
              statusCode: 201,
              body: {
                ...r,
                skipped: r.skipped.map((x) => ({ row: parsed.rowOf[x.index] ?? 0, reason: x.reason })),
              },
            };
          },
        });
        return reply.status(201).send(result.body as z.infer<typeof ZImportResult>);
      },
    );
  });
}
