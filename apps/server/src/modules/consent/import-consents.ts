import type { TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { blindIndex, type TWorkspaceKeys } from "../../core/keyring.js";
import {
  lockAddresses,
  normalizeAddress,
  resolveContactByAddress,
  type TContactChannel,
  type TResolvedContact,
} from "../contacts/index.js";
import type { TBasis, TCategory, TGrantMethod } from "./consent.types.js";
import { getCampaign } from "./get-campaign.js";
import { importEvidenceProblems, type TImportProblem, type TImportRecord } from "./import-evidence.js";
import { lockConsentHeads } from "./lock-consent-heads.js";
import { optOutEffects, type TOptOutEffect } from "./opt-out-effects.js";
import { recordConsent } from "./record-consent.js";
import { recordOptOut } from "./record-opt-out.js";
import { requireBrand } from "./require-brand.js";

export type { TImportRecord } from "./import-evidence.js";

/** The fields of a grant import that every record shares. */
type TSharedField = "campaignId" | "category" | "channels" | "basis" | "implied" | "expiresAt";

export interface TImportConsentsOptions {
  workspaceId: string;
  brandId: string;
  records: TImportRecord[];
  /** Import grants: each record's consent, with the scope all share and evidence they may share. */
  grant?:
    | {
        campaignId?: string | undefined;
        /** Default: the campaign's category, else marketing. */
        category?: TCategory | undefined;
        channels?: TContactChannel[] | undefined;
        basis: TBasis;
        method?: TGrantMethod | undefined;
        source?: string | undefined;
        wording?: string | undefined;
        wordingVersion?: string | undefined;
        implied?: "purchase" | "inquiry" | undefined;
        expiresAt?: Date | undefined;
      }
    | undefined;
  /** Import a suppression list: each record opted out of this brand. */
  optOut?: { scope: "all" | "marketing"; source: string } | undefined;
  /**
   * How errors name a record's field for the caller's format (default `records[i].field`); `row` gives
   * CSV row numbers in the error details.
   */
  naming?:
    | {
        field(index: number, field: keyof TImportRecord): string;
        row?(index: number): number;
        /** How the request names the scope all records share (default `grant.campaignId`, …). */
        shared?(field: TSharedField): string;
      }
    | undefined;
  actor: TActor;
  requestId?: string | undefined;
  at: Date;
}

export interface TImportResult {
  imported: number;
  contactsCreated: number;
  /** Records not imported because the contact cannot hold this consent (a minor for marketing, an erased contact). */
  skipped: { index: number; reason: "minor" | "erased" }[];
  /** Opt-out imports: records that were already opted out. */
  alreadyOptedOut: number;
}

function refuse(
  o: TImportConsentsOptions,
  problems: TImportProblem[],
  code: "validation_failed" | "unprocessable" = "validation_failed",
): AppError {
  const name = o.naming?.field ?? ((i: number, f: string) => `records[${i}].${f}`);
  const first = problems[0];
  const where = (p: TImportProblem) => (o.naming?.row ? `row ${o.naming.row(p.index)}` : `record ${p.index}`);
  return new AppError(code, {
    message: `${problems.length} record(s) refused, nothing imported${first ? `; ${where(first)}: ${first.reason}` : ""}`,
    field: first ? name(first.index, first.field) : "records",
    details: {
      problems: problems.slice(0, 1000).map((p) => ({
        ...(o.naming?.row ? { row: o.naming.row(p.index) } : { index: p.index }),
        field: name(p.index, p.field),
        reason: p.reason,
      })),
    },
  });
}

/**
 * A grant's refusal (recordConsent names its own options: `expiresAt`, `basis`…) as the import's request
 * names the value at fault: the record's field (`records[i].expiresAt`, a CSV row's column) when the
 * record gave it, else the shared one (`grant.expiresAt`, a CSV query parameter).
 */
function inRequestTerms(o: TImportConsentsOptions, index: number, error: AppError): AppError {
  const r = o.records[index];
  const own = (f: keyof TImportRecord) => o.naming?.field(index, f) ?? `records[${index}].${f}`;
  const shared = (f: TSharedField) => o.naming?.shared?.(f) ?? `grant.${f}`;
  const named: Record<string, string> = {
    "evidence.wording": own("wording"),
    effectiveAt: own("effectiveAt"),
    contactId: own("address"),
    expiresAt: r?.expiresAt ? own("expiresAt") : shared("expiresAt"),
    channels: r?.channels ? own("channels") : o.grant?.channels ? shared("channels") : own("channel"),
    basis: shared("basis"),
    implied: shared("implied"),
    category: shared("category"),
    campaignId: shared("campaignId"),
  };
  const field = error.field === undefined ? undefined : named[error.field];
  if (field === undefined) return error;
  const where = o.naming?.row ? `row ${o.naming.row(index)}` : `record ${index}`;
  return new AppError(error.code, {
    message: `${where}: ${error.message}`,
    field,
    details: error.details,
    cause: error,
  });
}

/**
 * Every record's contact, created when new, then every one's consent head locked, each kind of lock taken
 * in one sorted order (addresses, then heads by contact id): two imports of the same people in different
 * orders wait for each other instead of deadlocking.
 */
async function resolveContacts(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: TImportConsentsOptions,
): Promise<(TResolvedContact | null)[]> {
  const addresses = o.records.map((r) => {
    const n = normalizeAddress(r.channel, r.address, "address", { assignedOnly: true });
    return { kind: n.kind, index: blindIndex(keys, n.kind, n.address) };
  });
  await lockAddresses(tx, { workspaceId: o.workspaceId, addresses });
  const contacts: (TResolvedContact | null)[] = [];
  for (const [index, r] of o.records.entries()) {
    contacts.push(
      await resolveContactByAddress(tx, keys, {
        workspaceId: o.workspaceId,
        channel: r.channel,
        address: r.address,
        create: true,
        field: o.naming?.field(index, "address") ?? `records[${index}].address`,
        assignedOnly: true,
        actor: o.actor,
        requestId: o.requestId,
      }),
    );
  }
  const contactIds = contacts.flatMap((c) => (c ? [c.contactId] : []));
  await lockConsentHeads(tx, { workspaceId: o.workspaceId, contactIds });
  return contacts;
}

/**
 * Import consents gathered elsewhere, or a suppression list, all or nothing. Every record is checked
 * before anything is written, and every problem of every record is reported at once (a 400 naming the
 * first): an address that is not one, or a grant without its evidence (method, source, the exact wording
 * or, with method double_opt_in, paper or import, a confirmation reference, capture time). An imported
 * grant never lifts an opt-out. A suppression list's opt-outs (and their copies on linked contacts)
 * suppress the queued and scheduled messages they forbid and are announced (`contact.opted_out`) in this
 * transaction, through optOutEffects.
 */
export async function importConsents(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: TImportConsentsOptions,
): Promise<TImportResult> {
  if ((o.grant === undefined) === (o.optOut === undefined)) {
    throw new AppError("validation_failed", { message: "import either grants or opt-outs", field: "grant" });
  }
  const problems: TImportProblem[] = o.grant
    ? importEvidenceProblems({ records: o.records, shared: o.grant, at: o.at })
    : o.records.flatMap((r, index) => {
        try {
          normalizeAddress(r.channel, r.address, "address", { assignedOnly: true });
          return [];
        } catch (error) {
          return [
            { index, field: "address" as const, reason: error instanceof Error ? error.message : "invalid" },
          ];
        }
      });
  if (problems.length > 0) throw refuse(o, problems);
  await requireBrand(tx, o);
  const shared = o.naming?.shared ?? ((f: string) => `grant.${f}`);
  let category: TCategory = o.grant?.category ?? "marketing";
  if (o.grant?.campaignId) {
    const campaign = await getCampaign(tx, { workspaceId: o.workspaceId, campaignId: o.grant.campaignId });
    if (!campaign || campaign.brandId !== o.brandId)
      throw new AppError("not_found", {
        message: "campaign not found for this brand",
        field: shared("campaignId"),
      });
    if (o.grant.category !== undefined && campaign.category !== o.grant.category)
      throw new AppError("unprocessable", {
        message: `this campaign is ${campaign.category}`,
        field: shared("category"),
      });
    category = campaign.category;
    const outside = o.records.flatMap((r, index) =>
      (r.channels ?? o.grant?.channels ?? [r.channel])
        .filter((c) => !campaign.channels.includes(c))
        .map((c) => ({
          index,
          field: r.channels ? ("channels" as const) : ("channel" as const),
          reason: `this campaign does not use ${c}`,
        })),
    );
    if (outside.length > 0) {
      if (o.grant.channels && !o.records.some((r) => r.channels))
        throw new AppError("unprocessable", { message: outside[0]?.reason ?? "", field: shared("channels") });
      throw refuse(o, outside, "unprocessable");
    }
  }
  const result: TImportResult = { imported: 0, contactsCreated: 0, skipped: [], alreadyOptedOut: 0 };
  const contacts = await resolveContacts(tx, keys, o);
  for (const c of contacts) if (c?.created) result.contactsCreated += 1;
  const optedOut: TOptOutEffect[] = [];
  for (const [index, r] of o.records.entries()) {
    const contact = contacts[index];
    if (!contact) continue;
    if (o.optOut) {
      const out = await recordOptOut(tx, {
        workspaceId: o.workspaceId,
        brandId: o.brandId,
        contactId: contact.contactId,
        scope: o.optOut.scope,
        channel: r.channel,
        evidence: { method: "import" },
        source: o.optOut.source,
        actor: o.actor,
        at: o.at,
        ...(o.requestId ? { requestId: o.requestId } : {}),
      });
      if (out.alreadyOptedOut) result.alreadyOptedOut += 1;
      result.imported += 1;
      optedOut.push({
        workspaceId: o.workspaceId,
        brandId: o.brandId,
        contactId: contact.contactId,
        scope: o.optOut.scope,
        channel: r.channel,
        method: "import",
        inboundMessageId: null,
        recorded: out,
        at: o.at,
      });
      continue;
    }
    const g = o.grant;
    if (!g) continue;
    try {
      await recordConsent(tx, keys, {
        workspaceId: o.workspaceId,
        contactId: contact.contactId,
        brandId: o.brandId,
        campaignId: g.campaignId ?? null,
        category,
        channels: r.channels ?? g.channels ?? [r.channel],
        basis: g.basis,
        implied: g.implied,
        expiresAt: r.expiresAt ?? g.expiresAt,
        effectiveAt: r.effectiveAt,
        evidence: {
          method: r.method ?? g.method ?? "import",
          source: r.source ?? g.source ?? "",
          wording: r.wording ?? g.wording,
          wordingVersion: r.wordingVersion ?? g.wordingVersion,
          confirmationRef: r.confirmationRef,
          pageUrl: r.pageUrl,
          imported: true,
          ip: r.ip,
          userAgent: r.userAgent,
        },
        actor: o.actor,
        requestId: o.requestId,
        at: o.at,
      });
      result.imported += 1;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const reason = error.details?.reason;
      if (reason !== "minor" && reason !== "erased") throw inRequestTerms(o, index, error);
      result.skipped.push({ index, reason });
    }
  }
  // A suppression list's queues (its contacts' and their copies'), and contact.opted_out for each.
  await optOutEffects.apply(tx, optedOut);
  return result;
}
