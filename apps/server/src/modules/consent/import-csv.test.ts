import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import type { TBootstrapResult } from "../workspaces/index.js";
import { parseCsv } from "./parse-csv.js";

let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(async () => s.close());

const upload = (ws: TBootstrapResult, csv: string, query = "", headers: Record<string, string> = {}) =>
  s.app.inject({
    method: "POST",
    url: `/v1/consents/import.csv?brandId=${ws.brandId}${query}`,
    headers: { ...bearer(ws.apiKey), "content-type": "text/csv", ...headers },
    payload: csv,
  });

async function counts(workspaceId: string): Promise<number[]> {
  const out: number[] = [];
  for (const t of ["contacts", "consent_ledger", "consent_grants", "audit_log"]) {
    const [r] = await s.database.query<{ n: number }>(
      `select count(*)::int as n from ${t} where workspace_id = $1`,
      [workspaceId],
    );
    out.push(r?.n ?? -1);
  }
  return out;
}

const HEADER = "channel,address,method,source,wording,wording_version,confirmation_ref,captured_at,ip";

describe("parseCsv", () => {
  it("reads quoted cells with commas, quotes and line breaks, CRLF, a BOM and semicolon files", () => {
    expect(parseCsv('\uFEFFa,b\r\n"x, ""y""","line 1\nline 2"\r\n\r\n3,\n')).toEqual({
      rows: [
        { line: 1, row: 1, cells: ["a", "b"] },
        { line: 2, row: 2, cells: ['x, "y"', "line 1\nline 2"] },
        { line: 5, row: 4, cells: ["3", ""] },
      ],
      delimiter: ",",
      unterminated: null,
    });
    expect(parseCsv("a;b\n1;2").rows.map((r) => r.cells)).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("skips rows of blank cells as blank rows, still counting them", () => {
    expect(parseCsv('a,b,c\n,,\n1,2,3\r\n , ,""\n;;\n4,,\n,,,,,\n').rows).toEqual([
      { line: 1, row: 1, cells: ["a", "b", "c"] },
      { line: 3, row: 3, cells: ["1", "2", "3"] },
      { line: 5, row: 5, cells: [";;"] },
      { line: 6, row: 6, cells: ["4", "", ""] },
    ]);
  });

  it("reports a quote left open at the end of the file where it opened, never as one long cell", () => {
    const text = 'a,b,c\n1,2,3\n\n4,"five\nsix,7\n8,9,10\n';
    expect(parseCsv(text)).toEqual({
      rows: [
        { line: 1, row: 1, cells: ["a", "b", "c"] },
        { line: 2, row: 2, cells: ["1", "2", "3"] },
      ],
      delimiter: ",",
      unterminated: { row: 4, line: 4, cell: 1 },
    });
    // The line is where the quote is, the row where its row starts (a cell before it spans lines).
    expect(parseCsv('a,b,c\n"x\ny",2,"3\n').unterminated).toEqual({ row: 2, line: 3, cell: 2 });
    expect(parseCsv('"a,b\n1,2\n').unterminated).toEqual({ row: 1, line: 1, cell: 0 });
    // Closed quotes, doubled quotes and a quote inside an unquoted cell are no open quote.
    expect(parseCsv('a,b\n"x ""y""",z"\n').unterminated).toBeNull();
  });

  it("takes the delimiter from the header, the first line that is not blank", () => {
    const after = parseCsv("\r\n;;\n  \na;b;c\n1;2,5;3\n");
    expect(after.delimiter).toBe(";");
    expect(after.rows).toEqual([
      { line: 4, row: 4, cells: ["a", "b", "c"] },
      { line: 5, row: 5, cells: ["1", "2,5", "3"] },
    ]);
    expect(parseCsv("\n\na,b\n1;2,3\n").delimiter).toBe(",");
  });
});

describe("POST /v1/consents/import.csv", () => {
  it("imports rows with their own evidence, all of them", async () => {
    const ws = await s.workspace();
    const csv = [
      HEADER,
      'sms,+33 6 90 00 00 01,web_form,https://acme.test/signup,"Yes, text me offers.\nReply STOP to stop.",v3,,2025-04-01T09:30:00+02:00,192.0.2.10',
      "whatsapp,33690000002,double_opt_in,old CRM,,,YES-reply msg 8812,2024-11-20,",
      "sms,+33690000003,paper,shop form,Yes to offers by SMS,,,2023-06-30T12:00:00Z,",
    ].join("\r\n");
    const r = await upload(ws, csv, "", { "idempotency-key": "import-1" });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toEqual({ imported: 3, contactsCreated: 3, skipped: [], alreadyOptedOut: 0 });
    const again = await upload(ws, csv, "", { "idempotency-key": "import-1" });
    expect(again.json()).toEqual(r.json());
    const check = (to: string, channel = "sms") =>
      s.app.inject({
        method: "POST",
        url: "/v1/consent/check",
        headers: bearer(ws.apiKey),
        payload: { to, brandId: ws.brandId, channel },
      });
    const first = (await check("+33690000001")).json();
    expect(first).toMatchObject({ allowed: true, reason: "consent_granted" });
    expect((await check("+33690000002", "whatsapp")).json().allowed).toBe(true);
    const ledger = (
      await s.app.inject({
        method: "GET",
        url: `/v1/contacts/${first.contactId}/consent/ledger`,
        headers: bearer(ws.apiKey),
      })
    ).json().data[0];
    expect(ledger).toMatchObject({
      kind: "grant",
      method: "web_form",
      source: "https://acme.test/signup",
      wording: "Yes, text me offers.\nReply STOP to stop.",
      effectiveAt: "2025-04-01T07:30:00.000Z",
      evidence: { wordingVersion: "v3", imported: true },
      channels: ["sms"],
    });
    const second = (await check("+33690000002", "whatsapp")).json();
    const confirmed = (
      await s.app.inject({
        method: "GET",
        url: `/v1/contacts/${second.contactId}/consent/ledger`,
        headers: bearer(ws.apiKey),
      })
    ).json().data[0];
    expect(confirmed).toMatchObject({
      method: "double_opt_in",
      wording: null,
      effectiveAt: "2024-11-20T00:00:00.000Z",
      evidence: { confirmationRef: "YES-reply msg 8812" },
    });
  });

  it("numbers rows as a spreadsheet shows them: blank rows count, a cell's line breaks do not", async () => {
    const ws = await s.workspace();
    const csv = [
      HEADER,
      "sms,+33691000101,web_form,signup,Yes to offers,,,2025-01-01T00:00:00Z,",
      "",
      'sms,+33691000102,web_form,signup,"Yes to offers,\nsent weekly",,,2025-01-01T00:00:00Z,',
      "sms,+33691000103,web_form,,Yes to offers,,,2025-01-01T00:00:00Z,",
    ].join("\n");
    const r = await upload(ws, csv);
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({ field: "rows[5].source" });
    expect(r.json().error.details.problems).toEqual([expect.objectContaining({ row: 5, column: "source" })]);
  });

  it("refuses a file whose quote is never closed, naming the row and column where it opened", async () => {
    const ws = await s.workspace();
    const before = await counts(ws.workspaceId);
    const csv = [
      "channel,address,method,source,captured_at,wording",
      "sms,+33691000601,web_form,signup,2025-06-01,Yes text me offers",
      "",
      'sms,+33691000602,web_form,signup,2025-06-01,"Yes, text me offers',
      "sms,+33691000603,web_form,signup,2025-06-01,Yes text me offers",
      "sms,+33691000604,web_form,signup,2025-06-01,Yes text me offers",
      "",
    ].join("\r\n");
    const r = await upload(ws, csv);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error).toMatchObject({ code: "validation_failed", field: "rows[4].wording" });
    expect(r.json().error.message).toContain("nothing imported");
    expect(r.json().error.details.problems).toEqual([
      {
        row: 4,
        column: "wording",
        reason: "the quote opened on line 4 is never closed (everything after it would be one cell)",
      },
    ]);
    expect(await counts(ws.workspaceId)).toEqual(before);
    // Closing the quote imports every row.
    const ok = await upload(ws, csv.replace('"Yes, text me offers', '"Yes, text me offers"'));
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().imported).toBe(4);
  });

  it("refuses a row with more cells than the header, and reads a shorter row's missing cells as empty", async () => {
    const ws = await s.workspace();
    const before = await counts(ws.workspaceId);
    const header = "channel,address,method,source,captured_at,wording,ip";
    const long = await upload(
      ws,
      [
        header,
        "sms,+33691000701,web_form,signup,2025-06-01,Yes text me offers,",
        // An unquoted comma in the wording: every cell after it is shifted.
        "sms,+33691000702,web_form,signup,2025-06-01,Yes, text me offers,",
      ].join("\n"),
    );
    expect(long.statusCode, long.body).toBe(400);
    expect(long.json().error.field).toBe("rows[3]");
    expect(long.json().error.details.problems).toEqual([
      { row: 3, column: "", reason: "the row has 8 cells, the header 7: quote cells that hold a comma" },
    ]);
    expect(await counts(ws.workspaceId)).toEqual(before);
    // A row that stops early has empty cells: refused only for what it lacks, imported when it lacks nothing.
    const short = await upload(
      ws,
      [header, "sms,+33691000703,web_form,signup", "sms,+33691000704,web_form,signup,2025-06-01,Yes"].join(
        "\n",
      ),
    );
    expect(short.statusCode, short.body).toBe(400);
    expect(
      short.json().error.details.problems.map((p: { row: number; column: string }) => `${p.row}.${p.column}`),
    ).toEqual(["2.wording", "2.captured_at"]);
    expect(await counts(ws.workspaceId)).toEqual(before);
    const fine = await upload(ws, [header, "sms,+33691000704,web_form,signup,2025-06-01,Yes"].join("\n"));
    expect(fine.statusCode, fine.body).toBe(201);
  });

  it("reads a header after blank lines: its delimiter, and its problems at its own row", async () => {
    const ws = await s.workspace();
    const semicolons = [
      "",
      "channel;address;method;source;captured_at;wording",
      "sms;+33691000801;web_form;signup;2025-06-01;Yes, text me",
      "",
    ].join("\n");
    const r = await upload(ws, semicolons);
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().imported).toBe(1);
    const missing = await upload(
      ws,
      ["", ";;", "channel;address;method;source;wording", "sms;+33691000802;web_form;signup;Yes"].join("\n"),
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.field).toBe("rows[3].captured_at");
    expect(missing.json().error.details.problems).toEqual([
      { row: 3, column: "captured_at", reason: "the column captured_at is missing" },
    ]);
    const empty = await upload(ws, "\n\nchannel,address,method,source,captured_at,wording\n");
    expect(empty.json().error.details.problems).toEqual([
      { row: 4, column: "", reason: "the file has no record" },
    ]);
  });

  it("refuses every row without evidence, by row number and reason, and imports nothing", async () => {
    const ws = await s.workspace();
    const before = await counts(ws.workspaceId);
    const csv = [
      HEADER,
      "sms,+33691000001,web_form,signup,Yes to offers,,,2025-01-01T00:00:00Z,",
      "sms,+33691000002,,signup,Yes to offers,,,2025-01-01T00:00:00Z,",
      "sms,+33691000003,web_form,,Yes to offers,,,2025-01-01T00:00:00Z,",
      "sms,+33691000004,web_form,signup,,,,2025-01-01T00:00:00Z,",
      "sms,+33691000005,web_form,signup,Yes to offers,,,,",
      "sms,+33691000006,web_form,signup,Yes to offers,,,2999-01-01T00:00:00Z,",
      "sms,not a number,web_form,signup,Yes to offers,,,2025-01-01T00:00:00Z,",
      "fax,+33691000008,web_form,signup,Yes to offers,,,2025-01-01T00:00:00Z,",
      "sms,+33691000009,smoke_signal,signup,Yes to offers,,,yesterday,999.1.1.1",
    ].join("\n");
    const r = await upload(ws, csv);
    expect(r.statusCode).toBe(400);
    const error = r.json().error;
    expect(error).toMatchObject({ code: "validation_failed", field: "rows[3].method" });
    expect(error.message).toContain("nothing imported");
    const problems = error.details.problems as { row: number; column: string; reason: string }[];
    const byRow = (row: number) => problems.filter((p) => p.row === row).map((p) => p.column);
    expect(byRow(2)).toEqual([]);
    expect(byRow(3)).toEqual(["method"]);
    expect(byRow(4)).toEqual(["source"]);
    expect(byRow(5)).toEqual(["wording"]);
    expect(byRow(6)).toEqual(["captured_at"]);
    expect(byRow(7)).toEqual(["captured_at"]);
    expect(byRow(8)).toEqual(["address"]);
    expect(byRow(9)).toEqual(["channel"]);
    expect(byRow(10).sort()).toEqual(["captured_at", "ip", "method"]);
    expect(problems.find((p) => p.row === 5)?.reason).toBe(
      "the exact wording shown, or (with method double_opt_in, paper or import) a confirmation reference, is missing",
    );
    expect(problems.find((p) => p.row === 6)?.reason).toBe("the capture time of the consent is missing");
    expect(await counts(ws.workspaceId)).toEqual(before);

    const noColumn = await upload(ws, "channel,address,method,source\nsms,+33691000001,web_form,signup");
    expect(noColumn.statusCode).toBe(400);
    expect(noColumn.json().error.details.problems.map((p: { column: string }) => p.column)).toEqual([
      "captured_at",
      "wording",
    ]);
    expect((await upload(ws, "")).statusCode).toBe(400);
    const json = await s.app.inject({
      method: "POST",
      url: `/v1/consents/import.csv?brandId=${ws.brandId}`,
      headers: bearer(ws.apiKey),
      payload: { csv: "x" },
    });
    expect(json.statusCode).toBe(400);
    expect(await counts(ws.workspaceId)).toEqual(before);
  });

  it("takes a confirmation reference instead of the wording only with double_opt_in, paper or import", async () => {
    const ws = await s.workspace();
    const before = await counts(ws.workspaceId);
    const csv = [
      HEADER,
      "sms,+33691000201,web_form,signup,,,FORM-1,2025-01-01T00:00:00Z,",
      "sms,+33691000202,paper,shop,,,SIGNED-2,2025-01-01T00:00:00Z,",
      "sms,+33691000203,import,old crm,,,ROW-3,2025-01-01T00:00:00Z,",
    ].join("\n");
    const r = await upload(ws, csv);
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({ field: "rows[2].wording" });
    expect(r.json().error.details.problems).toEqual([
      expect.objectContaining({ row: 2, column: "wording", reason: expect.stringContaining("web_form") }),
    ]);
    expect(await counts(ws.workspaceId)).toEqual(before);
    const ok = await upload(
      ws,
      csv
        .split("\n")
        .filter((_, i) => i !== 1)
        .join("\n"),
    );
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().imported).toBe(2);
  });

  it("names the query parameter when the import's shared basis or implied consent is refused", async () => {
    const ws = await s.workspace();
    const csv = [HEADER, "sms,+33691000301,web_form,signup,Yes to offers,,,2025-01-01T00:00:00Z,"].join("\n");
    const contract = await upload(ws, csv, "&basis=contract");
    expect(contract.statusCode, contract.body).toBe(400);
    expect(contract.json().error).toMatchObject({ field: "basis" });
    expect(contract.json().error.message).toContain("row 2");
    const implied = await upload(ws, csv, "&basis=legitimate_interest&implied=inquiry");
    expect(implied.statusCode, implied.body).toBe(400);
    expect(implied.json().error).toMatchObject({ field: "implied" });
  });

  it("refuses dates before the year 1900 by row and column", async () => {
    const ws = await s.workspace();
    const before = await counts(ws.workspaceId);
    const csv = [
      "channel,address,method,source,wording,captured_at,expires_at",
      "sms,+33691000401,web_form,signup,Yes to offers,0000-01-01,",
      "sms,+33691000402,web_form,signup,Yes to offers,0000-03-01T10:00:00Z,",
      "sms,+33691000403,web_form,signup,Yes to offers,2025-01-01,0000-01-01",
      "sms,+33691000404,web_form,signup,Yes to offers,1900-01-01,",
    ].join("\n");
    const r = await upload(ws, csv);
    expect(r.statusCode).toBe(400);
    expect(r.json().error.field).toBe("rows[2].captured_at");
    expect(
      r.json().error.details.problems.map((p: { row: number; column: string }) => `${p.row}.${p.column}`),
    ).toEqual(["2.captured_at", "3.captured_at", "4.expires_at"]);
    expect(await counts(ws.workspaceId)).toEqual(before);
  });

  it("imports a spreadsheet export with rows of empty cells, numbering rows as the spreadsheet does", async () => {
    const ws = await s.workspace();
    const blank = ",,,,,,,,";
    const csv = [
      HEADER,
      "sms,+33691000501,web_form,signup,Yes to offers,,,2025-01-01T00:00:00Z,",
      blank,
      "sms,+33691000502,web_form,,Yes to offers,,,2025-01-01T00:00:00Z,",
      blank,
      blank,
    ].join("\r\n");
    const bad = await upload(ws, csv);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.problems).toEqual([
      expect.objectContaining({ row: 4, column: "source" }),
    ]);
    const ok = await upload(ws, csv.replace("web_form,,", "web_form,signup,"));
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ imported: 2, contactsCreated: 2 });
    // ; files too.
    const semicolons = [HEADER, "sms,+33691000503,web_form,signup,Yes,,,2025-01-01,", blank]
      .join("\n")
      .replaceAll(",", ";");
    expect((await upload(ws, semicolons)).statusCode).toBe(201);
  });

  it("refuses rows the campaign cannot hold, and skips a minor by row", async () => {
    const ws = await s.workspace();
    const campaign = await s.app.inject({
      method: "POST",
      url: "/v1/campaigns",
      headers: bearer(ws.apiKey),
      payload: { brandId: ws.brandId, name: "SMS deals", category: "marketing", channels: ["sms"] },
    });
    const minor = await s.app.inject({
      method: "POST",
      url: "/v1/contacts",
      headers: bearer(ws.apiKey),
      payload: { identities: [{ channel: "sms", address: "+33692000002" }], birthDate: "2015-05-05" },
    });
    expect(minor.statusCode).toBe(201);
    const before = await counts(ws.workspaceId);
    const rows = (extra: string) =>
      [
        HEADER,
        "sms,+33692000001,web_form,signup,Yes to deals,,,2025-01-01T00:00:00Z,",
        "sms,+33692000002,web_form,signup,Yes to deals,,,2025-01-01T00:00:00Z,",
        extra,
      ].join("\n");
    const q = `&campaignId=${campaign.json().id}`;
    const wrong = await upload(
      ws,
      rows("whatsapp,33692000003,web_form,signup,Yes,,,2025-01-01T00:00:00Z,"),
      q,
    );
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().error).toMatchObject({
      field: "rows[4].channel",
      details: {
        problems: [{ row: 4, field: "rows[4].channel", reason: "this campaign does not use whatsapp" }],
      },
    });
    expect(await counts(ws.workspaceId)).toEqual(before);
    // The scope all rows share comes from the query string, and errors name it as it was sent.
    const unknown = await upload(ws, rows(""), "&campaignId=cmp_nope");
    expect(unknown.json().error).toMatchObject({ code: "not_found", field: "campaignId" });
    const clash = await upload(ws, rows(""), `${q}&category=transactional`);
    expect(clash.json().error).toMatchObject({ code: "unprocessable", field: "category" });
    expect(await counts(ws.workspaceId)).toEqual(before);
    const ok = await upload(ws, rows("sms,+33692000004,web_form,signup,Yes,,,2025-01-01T00:00:00Z,"), q);
    expect(ok.json()).toEqual({
      imported: 2,
      contactsCreated: 2,
      skipped: [{ row: 3, reason: "minor" }],
      alreadyOptedOut: 0,
    });
  });
});
