import { z } from "zod";
import { normalizeAddress, type TContactChannel } from "../contacts/index.js";
import { grantMethods, type TBasis, type TGrantMethod } from "./consent.types.js";

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
 * shown or a confirmation reference, and its capture time (no later than `at`).
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
    const method = r.method ?? o.shared.method ?? "import";
    if (!ZMethod.safeParse(method).success) add("method", `method must be one of ${grantMethods.join(", ")}`);
    if (!(r.source ?? o.shared.source)?.trim()) add("source", "the source of the consent is missing");
    const wording = (r.wording ?? o.shared.wording)?.trim();
    if (o.shared.basis === "consent" && !wording && !r.confirmationRef?.trim())
      add("wording", "the exact wording shown, or a confirmation reference, is missing");
    if (!r.effectiveAt || Number.isNaN(r.effectiveAt.getTime()))
      add("effectiveAt", "the capture time of the consent is missing");
    else if (r.effectiveAt.getTime() > o.at.getTime())
      add("effectiveAt", "a consent cannot be given in the future");
    if (r.expiresAt && r.effectiveAt && r.expiresAt.getTime() <= r.effectiveAt.getTime())
      add("expiresAt", "must be after the capture time");
  });
  return problems;
}
