import { sql } from "drizzle-orm";
import type { TActor } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import type { TContactChannel } from "../contacts/index.js";
import { appendLedgerEntries } from "./append-ledger-entries.js";
import {
  confirmationMethods,
  type TBasis,
  type TCategory,
  type TEvidenceDetails,
  type TGrantMethod,
  type TLedgerEntry,
} from "./consent.types.js";
import { getCampaign } from "./get-campaign.js";
import { lockConsentHead } from "./lock-consent-head.js";
import { requireBrand } from "./require-brand.js";

/** How a grant was obtained: what the person saw and did, where and when. */
export interface TGrantEvidence {
  method: TGrantMethod;
  /** Where it was captured: a form, page, store, import file, agent session (no personal data). */
  source: string;
  /** The exact wording shown when consent was asked; required for the consent basis (GDPR 7(1), CASL s.13). */
  wording?: string | undefined;
  wordingVersion?: string | undefined;
  /**
   * A reference to the person's confirmation (a double opt-in reply, a signed form, a ticket): accepted
   * instead of the wording only with the methods of `confirmationMethods` (double_opt_in, paper, import);
   * kept alongside the wording otherwise.
   */
  confirmationRef?: string | undefined;
  /** Recorded from an import of consents gathered elsewhere. */
  imported?: boolean | undefined;
  /** The channel the person acted on, when they acted on one of ours (keyword, button). */
  channel?: TContactChannel | undefined;
  messageId?: string | undefined;
  pageUrl?: string | undefined;
  /** Stored sealed. */
  ip?: string | undefined;
  /** Stored sealed. */
  userAgent?: string | undefined;
}

export interface TRecordConsentOptions {
  workspaceId: string;
  contactId: string;
  brandId: string;
  campaignId?: string | null | undefined;
  category: TCategory;
  channels: TContactChannel[];
  basis?: TBasis | undefined;
  evidence: TGrantEvidence;
  /** When the person gave it; defaults to `at`. */
  effectiveAt?: Date | undefined;
  expiresAt?: Date | null | undefined;
  /** CASL implied consent: expires 2 years after a purchase, 6 months after an inquiry (s.10(10)). */
  implied?: "purchase" | "inquiry" | undefined;
  /** Double opt-in: the grant stays pending until confirmed within this many hours. */
  doubleOptIn?: { windowHours: number } | undefined;
  actor: TActor;
  requestId?: string | undefined;
  at?: Date | undefined;
}

const SKEW_MS = 5 * 60_000;
/** Calendar months later, the day clamped to the target month's last (31 Aug + 6 months = 28/29 Feb). */
const addMonths = (d: Date, months: number): Date => {
  const out = new Date(d.getTime());
  const day = out.getUTCDate();
  out.setUTCDate(1);
  out.setUTCMonth(out.getUTCMonth() + months);
  const last = new Date(Date.UTC(out.getUTCFullYear(), out.getUTCMonth() + 1, 0)).getUTCDate();
  out.setUTCDate(Math.min(day, last));
  return out;
};
const invalid = (field: string, message: string) => new AppError("validation_failed", { message, field });
const unprocessable = (field: string, message: string, reason?: "minor" | "erased") =>
  new AppError("unprocessable", { message, field, ...(reason ? { details: { reason } } : {}) });

async function checkScope(tx: TTx, o: TRecordConsentOptions): Promise<void> {
  await requireBrand(tx, o);
  if (!o.campaignId) return;
  const campaign = await getCampaign(tx, { workspaceId: o.workspaceId, campaignId: o.campaignId });
  if (!campaign || campaign.brandId !== o.brandId)
    throw new AppError("not_found", { message: "campaign not found for this brand", field: "campaignId" });
  if (campaign.category !== o.category)
    throw unprocessable("category", `this campaign is ${campaign.category}`);
  const outside = o.channels.filter((c) => !campaign.channels.includes(c));
  if (outside.length > 0) throw unprocessable("channels", `this campaign does not use ${outside.join(", ")}`);
}

function checkEvidence(o: TRecordConsentOptions, at: Date, effectiveAt: Date): void {
  if (o.channels.length === 0) throw invalid("channels", "a consent covers at least one channel");
  const confirmed =
    confirmationMethods.includes(o.evidence.method) && (o.evidence.confirmationRef?.trim().length ?? 0) > 0;
  if ((o.basis ?? "consent") === "consent" && !o.evidence.wording?.trim() && !confirmed) {
    throw invalid(
      "evidence.wording",
      "the exact wording shown is required for consent (or, for double_opt_in, paper and import, a confirmationRef)",
    );
  }
  if (effectiveAt.getTime() > at.getTime() + SKEW_MS)
    throw invalid("effectiveAt", "a consent cannot be given in the future");
  if (o.expiresAt && o.expiresAt.getTime() <= effectiveAt.getTime())
    throw invalid("expiresAt", "must be after effectiveAt");
  if (o.implied && (o.basis ?? "consent") !== "consent")
    throw invalid("implied", "implied consent has the consent basis");
  if (o.category === "marketing" && o.basis === "contract")
    throw invalid(
      "basis",
      "marketing rests on consent, or on legitimate interest (an existing customer's soft opt-in); a contract is not a basis for it",
    );
}

/**
 * Record a grant: this contact allows this brand (and campaign, if given) to message them for this
 * category on these channels, with its evidence. Refused for erased contacts and, for marketing, for
 * minors. With double opt-in the grant is pending until confirmed.
 */
export async function recordConsent(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: TRecordConsentOptions,
): Promise<TLedgerEntry> {
  const at = o.at ?? new Date();
  const effectiveAt = o.effectiveAt ?? at;
  checkEvidence(o, at, effectiveAt);
  await checkScope(tx, o);
  const head = await lockConsentHead(tx, o);
  const contact = (
    await rows<{ erased_at: Date | null; minor: boolean; under_age: boolean }>(
      tx,
      sql`select erased_at, minor, coalesce(minor_until > ${effectiveAt}, false) as under_age from contacts
        where workspace_id = ${o.workspaceId} and id = ${o.contactId}`,
    )
  )[0];
  if (contact?.erased_at) throw unprocessable("contactId", "this contact was erased", "erased");
  if ((contact?.minor || contact?.under_age) && o.category === "marketing")
    throw unprocessable("contactId", "marketing consent cannot be recorded for a minor", "minor");
  let expiresAt = o.expiresAt ?? null;
  if (o.implied) {
    const limit = addMonths(effectiveAt, o.implied === "purchase" ? 24 : 6);
    expiresAt = expiresAt && expiresAt < limit ? expiresAt : limit;
  }
  const e = o.evidence;
  const evidence: TEvidenceDetails = {};
  if (e.wordingVersion) evidence.wordingVersion = e.wordingVersion;
  if (e.messageId) evidence.messageId = e.messageId;
  if (e.pageUrl) evidence.pageUrl = e.pageUrl;
  if (e.confirmationRef) evidence.confirmationRef = e.confirmationRef;
  if (e.imported) evidence.imported = true;
  if (o.implied) evidence.implied = o.implied;
  if (o.doubleOptIn) evidence.doubleOptInWindowHours = o.doubleOptIn.windowHours;
  const [entry] = await appendLedgerEntries(tx, head, {
    at,
    actor: o.actor,
    requestId: o.requestId,
    entries: [
      {
        brandId: o.brandId,
        kind: "grant",
        campaignId: o.campaignId ?? null,
        category: o.category,
        channels: [...new Set(o.channels)],
        basis: o.basis ?? "consent",
        pending: o.doubleOptIn !== undefined,
        channel: e.channel ?? null,
        method: e.method,
        source: e.source,
        wording: e.wording ?? null,
        evidence,
        effectiveAt,
        expiresAt,
        confirmBy: o.doubleOptIn ? new Date(at.getTime() + o.doubleOptIn.windowHours * 3_600_000) : null,
        ipSealed: e.ip ? encryptField(keys, o.workspaceId, e.ip) : null,
        userAgentSealed: e.userAgent ? encryptField(keys, o.workspaceId, e.userAgent) : null,
      },
    ],
  });
  if (!entry) throw new Error("grant not appended");
  return entry;
}
