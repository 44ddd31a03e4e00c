/** One row of a CSV file, with where it is for error messages. */
export interface TCsvRow {
  /** The physical line the row starts on (1-based). */
  line: number;
  /** The row a spreadsheet shows: blank rows counted, a quoted cell's line breaks not. */
  row: number;
  cells: string[];
}

/** A quoted cell that the file never closes: where it opened. */
export interface TUnterminatedQuote {
  row: number;
  line: number;
  /** Which cell of its row (0-based): the column the quote opened in. */
  cell: number;
}

export interface TParsedCsv {
  rows: TCsvRow[];
  delimiter: "," | ";";
  /**
   * A quoted cell left open at the end of the file: everything from its quote on would be that one cell,
   * so its row and every row after it are left out of `rows`, and the caller must refuse the file.
   */
  unterminated: TUnterminatedQuote | null;
}

/** A line that says nothing: empty, or only spaces and delimiters (a blank row, as spreadsheets export it). */
const BLANK_LINE = /^[\s,;]*$/;

/** `;` when the header (the first line that is not blank) has semicolons and no comma, else `,`. */
function delimiterOf(src: string): "," | ";" {
  let start = 0;
  while (start < src.length) {
    const nl = src.indexOf("\n", start);
    const end = nl < 0 ? src.length : nl;
    const line = src.slice(start, end);
    if (!BLANK_LINE.test(line)) return !line.includes(",") && line.includes(";") ? ";" : ",";
    start = end + 1;
  }
  return ",";
}

/**
 * RFC 4180 CSV into rows of cells: quoted cells may hold commas, quotes ("") and line breaks; CRLF, LF
 * and a leading byte-order mark are accepted; blank rows (empty, or only delimiters and spaces) are skipped. The delimiter is a comma, or a
 * semicolon when the header line (the first line that is not blank) has semicolons and no comma
 * (spreadsheets in many locales write those).
 * Each row keeps the line it started on and its row number as a spreadsheet shows it (blank rows counted,
 * a cell's line breaks not), for error messages. A quote still open at the end of the file is reported
 * (`unterminated`), never read as one long cell.
 */
export function parseCsv(text: string): TParsedCsv {
  const src = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const delimiter = delimiterOf(src);
  const rows: TCsvRow[] = [];
  let row = 0;
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let opened: TUnterminatedQuote | null = null;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const endRow = () => {
    cells.push(cell);
    row += 1;
    // A row of blank cells (",,,,", which spreadsheets export for empty rows) is a blank row too.
    if (cells.some((v) => v.trim() !== "")) rows.push({ line: rowLine, row, cells });
    cells = [];
    cell = "";
  };
  while (i < src.length) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else {
        if (c === "\n") line += 1;
        cell += c;
      }
      i += 1;
      continue;
    }
    if (c === '"' && cell === "") {
      quoted = true;
      opened = { row: row + 1, line, cell: cells.length };
    } else if (c === delimiter) {
      cells.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && src[i + 1] === "\n") i += 1;
      endRow();
      line += 1;
      rowLine = line;
    } else cell += c;
    i += 1;
  }
  if (quoted) return { rows, delimiter, unterminated: opened };
  if (cell !== "" || cells.length > 0) endRow();
  return { rows, delimiter, unterminated: null };
}
