export type { TContactChannel } from "../contacts/index.js";
export { campaignRoutes } from "./campaign-routes.js";
export { checkConsent, type TCheckConsentInput, type TCheckConsentResult } from "./check-consent.js";
export { confirmConsent } from "./confirm-consent.js";
export { confirmDoubleOptIn } from "./confirm-double-opt-in.js";
export { campaigns, consentLedger } from "./consent.tables.js";
export {
  bases,
  categories,
  decisionReasons,
  expiryReasons,
  grantMethods,
  ledgerKinds,
  type TBasis,
  type TCampaign,
  type TCategory,
  type TDecision,
  type TDecisionInput,
  type TDecisionReason,
  type TEvidenceDetails,
  type TExpiryReason,
  type TGrantMethod,
  type TGrantState,
  type TGrantStatus,
  type TLedgerEntry,
  type TLedgerKind,
  type TOptOutScope,
  type TSuppressionState,
  ZBasis,
  ZCategory,
  ZDecisionReason,
} from "./consent.types.js";
export { consentCommand } from "./consent-command.js";
export {
  consentJobs,
  consentRecurringJobs,
  EXPIRE_GRANTS_EVERY_MS,
  expireGrantsJob,
} from "./consent-jobs.js";
export { contactIdentityHashes } from "./contact-identity-hashes.js";
export { createCampaign } from "./create-campaign.js";
export { decide } from "./decide.js";
export { decideForSender } from "./decide-for-sender.js";
export { decideMany } from "./decide-many.js";
export { decideWarm, type TDecideWarmResult } from "./decide-warm.js";
export { DecisionFactsCache } from "./decision-facts-cache.js";
export { evaluateDecision, type TDecisionFacts } from "./evaluate-decision.js";
export { expireGrants } from "./expire-grants.js";
export { exportConsentProof, type TConsentProof, type TProofEntry } from "./export-consent-proof.js";
export { foldLedger, type TFoldedConsent } from "./fold-ledger.js";
export { getCampaign } from "./get-campaign.js";
export { getConsentState, type TConsentState } from "./get-consent-state.js";
export { getOptOutPropensity } from "./get-opt-out-propensity.js";
export { grantStanding, type TGrantStanding } from "./grant-standing.js";
export { hasPendingDoubleOptIn } from "./has-pending-double-opt-in.js";
export {
  importConsents,
  type TImportConsentsOptions,
  type TImportRecord,
  type TImportResult,
} from "./import-consents.js";
export { initConsent } from "./init-consent.js";
export { listCampaigns } from "./list-campaigns.js";
export { listLedgerEntries } from "./list-ledger-entries.js";
export { lockConsentHead } from "./lock-consent-head.js";
export { lockConsentHeads } from "./lock-consent-heads.js";
export { optOutEffects, type TOptOutEffect, type TOptOutEffects } from "./opt-out-effects.js";
export {
  presentCampaign,
  presentConsentState,
  presentDecision,
  presentGrant,
  presentLedgerEntry,
  ZCampaignJson,
  ZConsentStateJson,
  ZDecisionJson,
  ZGrant,
  ZLedgerEntry,
} from "./presenters.js";
export {
  checkQuietHours,
  type TBrandQuietHours,
  type TRecipientPlace,
  ZBrandQuietHours,
} from "./quiet-hours.js";
export { recordConsent, type TGrantEvidence, type TRecordConsentOptions } from "./record-consent.js";
export { recordOptIn, type TRecordOptInOptions } from "./record-opt-in.js";
export {
  recordOptOut,
  type TOptOutEvidence,
  type TRecordOptOutOptions,
  type TRecordOptOutResult,
} from "./record-opt-out.js";
export { consentRoutes, createConsentRoutes, type TConsentRoutesOptions } from "./routes.js";
export { type TConsentVerification, verifyConsent } from "./verify-consent.js";
export { warmDecisionCaches } from "./warm-decision-caches.js";
export { withdrawConsent } from "./withdraw-consent.js";
