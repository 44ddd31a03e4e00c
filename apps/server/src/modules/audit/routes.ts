import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import { listAuditEvents, type TAuditEventView } from "./list-audit-events.js";
import { verifyAuditChain } from "./verify-audit-chain.js";

const ZAuditQuery = z.object({
  action: z.string().max(100).optional(),
  actorId: z.string().max(100).optional(),
  targetId: z.string().max(100).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.coerce.number().int().min(1).optional(),
});

const ZAuditEvent = z.object({
  id: z.string(),
  seq: z.number(),
  at: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable() }),
  action: z.string(),
  target: z.object({ type: z.string().nullable(), id: z.string().nullable() }),
  requestId: z.string().nullable(),
  details: z.unknown(),
  hash: z.string(),
});

const CSV_COLUMNS = [
  "id",
  "seq",
  "at",
  "actorType",
  "actorId",
  "action",
  "targetType",
  "targetId",
  "requestId",
  "details",
  "hash",
];

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v);
  // Cells that a spreadsheet would run as a formula are prefixed with a quote.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(events: TAuditEventView[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const e of events) {
    lines.push(
      [
        e.id,
        e.seq,
        e.at,
        e.actor.type,
        e.actor.id,
        e.action,
        e.target.type,
        e.target.id,
        e.requestId,
        e.details,
        e.hash,
      ]
        .map(csvCell)
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}

export function auditRoutes(app: TApp, ctx: TAppContext): void {
  app.get(
    "/v1/audit-events",
    {
      schema: {
        tags: ["audit"],
        summary: "Audit events, newest first, with filters",
        querystring: ZAuditQuery,
        response: { 200: z.object({ data: z.array(ZAuditEvent), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const p = authorize(request, "audit:read");
      const q = request.query;
      const found = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        listAuditEvents(tx, {
          workspaceId: p.workspaceId,
          action: q.action,
          actorId: q.actorId,
          targetId: q.targetId,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
          limit: q.limit,
          cursor: q.cursor,
        }),
      );
      const data = found.slice(0, q.limit);
      const last = data[data.length - 1];
      return { data, nextCursor: found.length > q.limit && last ? String(last.seq) : null };
    },
  );

  app.get(
    "/v1/audit-events/export",
    {
      schema: {
        tags: ["audit"],
        summary: "Export audit events as JSON or CSV",
        querystring: ZAuditQuery.omit({ limit: true, cursor: true }).extend({
          format: z.enum(["json", "csv"]).default("json"),
        }),
      },
    },
    async (request, reply) => {
      const p = authorize(request, "audit:read");
      const q = request.query;
      const all: TAuditEventView[] = [];
      let cursor: number | undefined;
      for (;;) {
        const batch = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
          listAuditEvents(tx, {
            workspaceId: p.workspaceId,
            action: q.action,
            actorId: q.actorId,
            targetId: q.targetId,
            from: q.from ? new Date(q.from) : undefined,
            to: q.to ? new Date(q.to) : undefined,
            limit: 5000,
            cursor,
          }),
        );
        all.push(...batch.slice(0, 5000));
        if (batch.length <= 5000) break;
        cursor = batch[4999]?.seq;
      }
      const name = `audit-${p.workspaceId}-${new Date().toISOString().slice(0, 10)}`;
      if (q.format === "csv") {
        void reply
          .header("content-type", "text/csv; charset=utf-8")
          .header("content-disposition", `attachment; filename="${name}.csv"`);
        return toCsv(all);
      }
      void reply.header("content-disposition", `attachment; filename="${name}.json"`);
      return { workspaceId: p.workspaceId, exportedAt: new Date().toISOString(), events: all };
    },
  );

  app.get(
    "/v1/audit-events/verify",
    { schema: { tags: ["audit"], summary: "Verify this workspace's audit hash chain" } },
    async (request) => {
      const p = authorize(request, "audit:read");
      return verifyAuditChain(ctx.db, { workspaceId: p.workspaceId });
    },
  );
}
