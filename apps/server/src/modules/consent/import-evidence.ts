import { z } from "zod";
import { normalizeAddress, type TContactChannel } from "../contacts/index.js";
import { confirmationMethods, grantMethods, type TBasis, type TGrantMethod } from "./consent.types.js";

/** One record of an import: an address and, for grants, the evidence of its consent. */
export interface TImportRecord {
  channel: TContactChannel;
  address: string;
  /** When the person gave the consent (capture time). Required for grants. */
  effectiveAt?: Date | undefined;
  /** How it was captured; defaults to the import's shared method, else `import`. */
  method?: TGrantMethod | undefined;
  /** Where it was captured; defaults to the import's shared source. */
  source?: string | undefined;
  /** The exact wording shown; defaults to the import's shared wording. */
  wording?: string | undefined;
  wordingVersion?: string | undefined;
  /** A reference to the person's confirmation (a double opt-in message, a signed form, a ticket). */
  confirmationRef?: string | undefined;
  pageUrl?: string | undefined;
  /** Channels this record's consent covers; defaults to the import's, else the record's channel. */
  channels?: TContactChannel[] | undefined;
  expiresAt?: Date | undefined;
  ip?: string | undefined;
  userAgent?: string | undefined;
}

/** What is wrong with one record, by record index and record field (the caller names them for its format). */
export interface TImportProblem {
  index: number;
  field: keyof TImportRecord;
  reason: string;
}

const ZMethod = z.enum(grantMethods);

/**
 * Every problem of every record of a grant import, before anything is written: an address that is not
 * one, and evidence that is missing. A consent's evidence is its method, its source, the exact wording
 * shown (or, with method double_opt_in, paper or import, a confirmation reference), and its capture time
 * (no later than `at`).
 */
export function importEvidenceProblems(o: {
  records: readonly TImportRecord[];
  shared: {
    method?: string | undefined;
    source?: string | undefined;
    wording?: string | undefined;
    basis: TBasis;
  };
  at: Date;
}): TImportProblem[] {
  const problems: TImportProblem[] = [];
  o.records.forEach((r, index) => {
    const add = (field: keyof TImportRecord, reason: string) => problems.push({ index, field, reason });
    try {
      normalizeAddress(r.channel, r.address, "address", { assignedOnly: true });
    } catch (error) {
      add("address", error instanceof Error ? error.message : "not an address");
    }
    const parsed = ZMethod.safeParse(r.method ?? o.shared.method ?? "import");
    if (!parsed.success) add("method", `method must be one of ${grantMethods.join(", ")}`);
    if (!(r.source ?? o.shared.source)?.trim()) add("source", "the source of the consent is missing");
    const wording = (r.wording ?? o.shared.wording)?.trim();
    // As for POST /v1/consents: a confirmation reference stands in for the wording only with the methods
    // whose proof is kept elsewhere (an unknown method is already refused above).
    const confirmed =
      parsed.success &&
      confirmationMethods.includes(parsed.data) &&
      (r.confirmationRef?.trim().length ?? 0) > 0;
    if (o.shared.basis === "consent" && !wording && !confirmed)
      add(
        "wording",
        r.confirmationRef?.trim() && parsed.success
          ? `the exact wording shown is missing: with method ${parsed.data} a confirmation reference does not replace it (only with double_opt_in, paper or import)`
          : "the exact wording shown, or (with method double_opt_in, paper or import) a confirmation reference, is missing",
      );
    if (!r.effectiveAt || Number.isNaN(r.effectiveAt.getTime()))
      add("effectiveAt", "the capture time of the consent is missing");
    else if (r.effectiveAt.getTime() > o.at.getTime())
      add("effectiveAt", "a consent cannot be given in the future");
    if (r.expiresAt && r.effectiveAt && r.expiresAt.getTime() <= r.effectiveAt.getTime())
      add("expiresAt", "must be after the capture time");
  });
  return problems;
}
