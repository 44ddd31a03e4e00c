/**
 * RFC 4180 CSV into rows of cells: quoted cells may hold commas, quotes ("") and line breaks; CRLF, LF
 * and a leading byte-order mark are accepted; blank rows (empty, or only delimiters and spaces) are skipped. The delimiter is a comma, or a
 * semicolon when the header line has semicolons and no comma (spreadsheets in many locales write those).
 * Each row keeps the line it started on and its row number as a spreadsheet shows it (blank rows counted,
 * a cell's line breaks not), for error messages.
 */
export function parseCsv(text: string): { line: number; row: number; cells: string[] }[] {
  const src = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const firstLine = src.slice(0, src.search(/\r?\n|$/));
  const delimiter = !firstLine.includes(",") && firstLine.includes(";") ? ";" : ",";
  const out: { line: number; row: number; cells: string[] }[] = [];
  let row = 0;
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const endRow = () => {
    cells.push(cell);
    row += 1;
    // A row of blank cells (",,,,", which spreadsheets export for empty rows) is a blank row too.
    if (cells.some((v) => v.trim() !== "")) out.push({ line: rowLine, row, cells });
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
    if (c === '"' && cell === "") quoted = true;
    else if (c === delimiter) {
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
  if (cell !== "" || cells.length > 0) endRow();
  return out;
}
