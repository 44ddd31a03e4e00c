import { z } from "zod";
import { contactChannels, type TContactChannel } from "../contacts/index.js";
import { grantMethods, type TGrantMethod } from "./consent.types.js";
import type { TImportRecord } from "./import-evidence.js";
import { parseCsv } from "./parse-csv.js";
import { MIN_YEAR, supportedYear } from "./supported-year.js";

/** CSV column of each record field (the columns are documented in docs/consent.md). */
export const csvColumns: Record<keyof TImportRecord, string> = {
  channel: "channel",
  address: "address",
  effectiveAt: "captured_at",
  method: "method",
  source: "source",
  wording: "wording",
  wordingVersion: "wording_version",
  confirmationRef: "confirmation_ref",
  pageUrl: "page_url",
  channels: "channels",
  expiresAt: "expires_at",
  ip: "ip",
  userAgent: "user_agent",
};

export interface TCsvProblem {
  /** Spreadsheet row (blank rows counted): the header's row for a missing column, else the record's. */
  row: number;
  column: string;
  reason: string;
}

const REQUIRED = ["channel", "address", "method", "source", "captured_at"];
const MAX_ROWS = 1000;
const MAX_LENGTH: Record<string, number> = {
  address: 256,
  source: 500,
  wording: 5000,
  wording_version: 100,
  confirmation_ref: 200,
};
const ZIp = z.union([z.ipv4(), z.ipv6()]);
const ZUrl = z.url().max(2000);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ZDateTime = z.iso.datetime({ offset: true });
const isChannel = (v: string): v is TContactChannel => (contactChannels as readonly string[]).includes(v);
const isMethod = (v: string): v is TGrantMethod => (grantMethods as readonly string[]).includes(v);

function time(v: string): Date | null {
  if (!supportedYear(v)) return null;
  if (DATE.test(v)) {
    const d = new Date(`${v}T00:00:00Z`);
    return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v ? null : d;
  }
  return ZDateTime.safeParse(v).success ? new Date(v) : null;
}

/**
 * The records of a consent import in CSV (one row per consent, with its evidence columns). Problems of
 * form (unknown channel or method, a date, IP or URL that is not one, a missing column) are reported by
 * spreadsheet row and column; evidence that is missing is checked afterwards (importEvidenceProblems).
 * `rowOf[i]` is the row of `records[i]`; rows with an unknown channel have no record.
 */
export function csvImportRecords(text: string): {
  records: TImportRecord[];
  rowOf: number[];
  problems: TCsvProblem[];
} {
  const parsed = parseCsv(text);
  const [header, ...body] = parsed.rows;
  const problems: TCsvProblem[] = [];
  const records: TImportRecord[] = [];
  const rowOf: number[] = [];
  const columns = header?.cells.map((c) => c.trim().toLowerCase()) ?? [];
  if (parsed.unterminated) {
    // Everything after the quote would be one cell: nothing of the file from there on can be trusted.
    const { row, line, cell } = parsed.unterminated;
    const column = header ? (columns[cell] ?? "") : "";
    const reason = `the quote opened on line ${line} is never closed (everything after it would be one cell)`;
    return { records, rowOf, problems: [{ row, column, reason }] };
  }
  if (!header) return { records, rowOf, problems: [{ row: 1, column: "", reason: "the file is empty" }] };
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (!columns.includes("wording") && !columns.includes("confirmation_ref")) missing.push("wording");
  for (const c of missing)
    problems.push({ row: header.row, column: c, reason: `the column ${c} is missing` });
  if (body.length === 0) problems.push({ row: header.row + 1, column: "", reason: "the file has no record" });
  const over = body[MAX_ROWS];
  if (over) problems.push({ row: over.row, column: "", reason: `at most ${MAX_ROWS} rows` });
  if (problems.length > 0) return { records, rowOf, problems };
  body.forEach((line) => {
    // The row a spreadsheet shows (blank rows count): what the person fixing the file looks for.
    const row = line.row;
    const cell = (name: string) => {
      const at = columns.indexOf(name);
      const v = at < 0 ? "" : (line.cells[at] ?? "").trim();
      return v === "" ? undefined : v;
    };
    const bad = (column: string, reason: string) => problems.push({ row, column, reason });
    if (line.cells.length > columns.length) {
      // A cell more than the header has: its cells are shifted (a delimiter in an unquoted cell), so no
      // cell of the row can be trusted. A shorter row is read as is: its missing cells are empty.
      bad(
        "",
        `the row has ${line.cells.length} cells, the header ${columns.length}: quote cells that hold a ${parsed.delimiter === ";" ? "semicolon" : "comma"}`,
      );
      return;
    }
    const channel = cell("channel") ?? "";
    if (!isChannel(channel)) {
      bad("channel", `channel must be one of ${contactChannels.join(", ")}`);
      return;
    }
    const r: TImportRecord = { channel, address: cell("address") ?? "" };
    const method = cell("method");
    if (method === undefined) bad("method", "the method of capture is missing");
    else if (isMethod(method)) r.method = method;
    else bad("method", `method must be one of ${grantMethods.join(", ")}`);
    r.source = cell("source");
    r.wording = cell("wording");
    r.wordingVersion = cell("wording_version");
    r.confirmationRef = cell("confirmation_ref");
    const captured = cell("captured_at");
    if (captured !== undefined) {
      const d = time(captured);
      if (d) r.effectiveAt = d;
      else
        bad(
          "captured_at",
          `captured_at must be a date (2025-06-01) or a date-time with its offset, from the year ${MIN_YEAR} on`,
        );
    }
    const expires = cell("expires_at");
    if (expires !== undefined) {
      const d = time(expires);
      if (d) r.expiresAt = d;
      else
        bad(
          "expires_at",
          `expires_at must be a date or a date-time with its offset, from the year ${MIN_YEAR} on`,
        );
    }
    const channels = cell("channels")
      ?.split(/[\s;|]+/)
      .filter(Boolean);
    if (channels) {
      const wrong = channels.filter((c) => !isChannel(c));
      if (wrong.length > 0) bad("channels", `unknown channel ${wrong.join(", ")}`);
      else r.channels = channels.filter(isChannel);
    }
    const ip = cell("ip");
    if (ip !== undefined) {
      if (ZIp.safeParse(ip).success) r.ip = ip;
      else bad("ip", "ip must be an IP address");
    }
    const pageUrl = cell("page_url");
    if (pageUrl !== undefined) {
      if (ZUrl.safeParse(pageUrl).success) r.pageUrl = pageUrl;
      else bad("page_url", "page_url must be a URL");
    }
    r.userAgent = cell("user_agent")?.slice(0, 1000);
    for (const [k, v] of Object.entries(r)) {
      if (typeof v !== "string") continue;
      const column = csvColumns[k as keyof TImportRecord];
      if (v.includes("\u0000")) bad(column, "must not contain NUL characters");
      if (v.length > (MAX_LENGTH[column] ?? 1000))
        bad(column, `at most ${MAX_LENGTH[column] ?? 1000} characters`);
    }
    records.push(r);
    rowOf.push(row);
  });
  return { records, rowOf, problems };
}
