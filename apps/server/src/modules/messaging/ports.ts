/** What messaging uses of other modules, in one place (each through its index). */
export {
  type DecisionFactsCache,
  decideMany,
  decideWarm,
  getCampaign,
  type TCategory,
  type TDecision,
  type TDecisionInput,
  type TDecisionReason,
  warmDecisionCaches,
} from "../consent/index.js";
export {
  findContactsByIdentity,
  getContactAddresses,
  lockAddresses,
  normalizeAddress,
  resolveContactByAddress,
  type TContactChannel,
  type TIdentityKind as TContactIdentityKind,
} from "../contacts/index.js";
export { listUnreachable, recordProviderOptOut, setReachability } from "../inbound/index.js";
export {
  checkWebhookUrl,
  emitWebhookEvents as emitCustomerWebhookEvents,
  postFailure,
  postWebhook,
  type TPostResult,
  type TResolveHost,
  type TUrlPolicy,
  wantedWebhookEvents as wantedCustomerWebhookEvents,
} from "../webhooks/index.js";
