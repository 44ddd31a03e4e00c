import type { TConsentProof } from "./export-consent-proof.js";

const COLUMNS = [
  "id",
  "seq",
  "kind",
  "brandId",
  "refId",
  "campaignId",
  "category",
  "channels",
  "basis",
  "pending",
  "scope",
  "channel",
  "method",
  "source",
  "wording",
  "evidence",
  "ip",
  "userAgent",
  "effectiveAt",
  "expiresAt",
  "confirmBy",
  "recordedAt",
  "actorType",
  "actorId",
  "requestId",
  "prevHash",
  "hash",
] as const;

function cell(v: unknown): string {
  const s =
    v === null || v === undefined
      ? ""
      : v instanceof Date
        ? v.toISOString()
        : typeof v === "string"
          ? v
          : JSON.stringify(v);
  // A cell a spreadsheet would run as a formula is prefixed with a quote.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The proof's entries as CSV (one row per ledger entry, RFC 4180, formula-safe). */
export function proofToCsv(proof: TConsentProof): string {
  const lines = [COLUMNS.join(",")];
  for (const e of proof.entries) {
    const row: Record<(typeof COLUMNS)[number], unknown> = { ...e, channels: e.channels?.join(" ") ?? null };
    lines.push(COLUMNS.map((c) => cell(row[c])).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}
