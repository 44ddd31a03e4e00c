import { z } from "zod";
import type { TContactChannel } from "../contacts/index.js";

/** What a message is for; marketing needs consent, the others rest on the contract with the customer. */
export const categories = ["marketing", "transactional", "authentication"] as const;
export type TCategory = (typeof categories)[number];
export const ZCategory = z.enum(categories);

/** The lawful basis a grant (or a decision) rests on. */
export const bases = ["consent", "contract", "legitimate_interest"] as const;
export type TBasis = (typeof bases)[number];
export const ZBasis = z.enum(bases);

/** Why a send was allowed (`consent_granted`, `transactional_basis`) or refused (everything else). */
export const decisionReasons = [
  "consent_granted",
  "transactional_basis",
  "consent_missing",
  "consent_pending",
  "consent_revoked",
  "consent_expired",
  "opted_out",
  "opted_out_marketing",
  "channel_not_covered",
  "contact_restricted",
  "contact_erased",
  "minor",
  "quiet_hours",
] as const;
export type TDecisionReason = (typeof decisionReasons)[number];
export const ZDecisionReason = z.enum(decisionReasons);

export interface TDecisionInput {
  workspaceId: string;
  contactId: string;
  brandId: string;
  campaignId?: string | null;
  channel: TContactChannel;
  category: TCategory;
  at: Date;
  /**
   * The address the message goes to on `channel`, when known. Quiet hours are kept in the local time of
   * the place this number rings (its country, state and zone); without one, or for an address that is not
   * a phone number, the contact's own place (from its first phone number) is used.
   */
  recipient?: string | undefined;
}

export interface TDecision {
  allowed: boolean;
  reason: TDecisionReason;
  basis: TBasis | null;
  /** The ledger entries the decision rests on (the grant and its confirmation, or the opt-out that refused it). */
  ledgerEntryIds: string[];
  /** quiet_hours only: the first moment the send would be inside the recipient's sending window. */
  notBefore?: Date;
}

/**
 * The kinds of ledger entry. `expire` is written by the expiry sweep (expireGrants) for a grant whose
 * `expiresAt` passed or whose double opt-in window (`confirmBy`) lapsed unconfirmed: history only, since
 * decisions judge expiry by time whether or not the entry exists yet.
 */
export const ledgerKinds = ["grant", "confirm", "withdraw", "opt_out", "opt_in", "expire"] as const;
export type TLedgerKind = (typeof ledgerKinds)[number];

/** Why an `expire` entry was written (its `evidence.reason`). */
export const expiryReasons = ["expired", "confirmation_lapsed"] as const;
export type TExpiryReason = (typeof expiryReasons)[number];

export type TOptOutScope = "all" | "marketing";

/** How a grant was captured. */
export const grantMethods = [
  "web_form",
  "checkbox",
  "keyword",
  "button",
  "double_opt_in",
  "verbal",
  "paper",
  "import",
  "api",
  "agent",
  "natural_language",
] as const;
export type TGrantMethod = (typeof grantMethods)[number];

/**
 * Methods whose proof is a confirmation kept elsewhere (the double opt-in reply, the signed paper form, the
 * record a consent was imported from): for them, and only them, a `confirmationRef` may stand in for the
 * exact wording shown. With any other method the wording is required for the consent basis.
 */
export const confirmationMethods: readonly TGrantMethod[] = ["double_opt_in", "paper", "import"];

/** Evidence values kept in the ledger's `evidence` column: flat, and never personal data or message text. */
export type TEvidenceDetails = Record<string, string | number | boolean | null>;

/** A grant's status as the projection keeps it; expiry and lapsed confirmation windows are judged at read time. */
export type TGrantStatus = "pending" | "active" | "withdrawn";

/** One grant as the projection holds it. */
export interface TGrantState {
  id: string;
  brandId: string;
  campaignId: string | null;
  category: TCategory;
  channels: TContactChannel[];
  basis: TBasis;
  status: TGrantStatus;
  effectiveAt: Date;
  expiresAt: Date | null;
  confirmBy: Date | null;
  confirmedEntryId: string | null;
  withdrawnEntryId: string | null;
  /**
   * Brand-wide grants only: the campaigns it no longer covers, per channel, since the person withdrew
   * from them (`campaignId:channel:withdrawEntryId`, in ledger order). Absent or empty: none.
   */
  exclusions?: string[] | undefined;
}

/** A contact's opt-out from one brand, as the projection holds it. */
export interface TSuppressionState {
  brandId: string;
  optOutAllEntryId: string | null;
  optOutMarketingEntryId: string | null;
}

/** One ledger entry as stored (sealed fields still sealed). */
export interface TLedgerEntry {
  id: string;
  workspaceId: string;
  contactId: string;
  seq: number;
  brandId: string;
  kind: TLedgerKind;
  refId: string | null;
  campaignId: string | null;
  category: TCategory | null;
  channels: TContactChannel[] | null;
  basis: TBasis | null;
  pending: boolean | null;
  scope: TOptOutScope | null;
  channel: TContactChannel | null;
  method: string;
  source: string | null;
  wording: string | null;
  evidence: TEvidenceDetails;
  ipSealed: string | null;
  userAgentSealed: string | null;
  effectiveAt: Date;
  expiresAt: Date | null;
  confirmBy: Date | null;
  recordedAt: Date;
  actorType: string;
  actorId: string | null;
  requestId: string | null;
  prevHash: string;
  hash: string;
}

/** A campaign: the scope below the brand that a consent is given for. */
export interface TCampaign {
  id: string;
  brandId: string;
  name: string;
  category: TCategory;
  channels: TContactChannel[];
  createdAt: Date;
}
