/**
 * The inbound path: provider webhooks → verified, de-duplicated, stored inbound messages → intent →
 * opt-out / opt-in / help / clarifying question, in one transaction per event. Also per-brand intent
 * settings and the reachability of contacts through a channel account (Telegram blocks).
 */
export { announceOptOuts } from "./announce-opt-outs.js";
export { answerHandshake } from "./answer-handshake.js";
export { applyOptIn, type TOptInResult } from "./apply-opt-in.js";
export {
  applyOptOut,
  OPT_OUT_REPLY_WINDOW_MS,
  type TOptOutEvidence,
  type TOptOutResult,
} from "./apply-opt-out.js";
export { backfillProviderIds, type TProviderIdBackfill } from "./backfill-provider-ids.js";
export { BRAND_INTENT_TTL_MS, cachedBrandIntent, forgetBrandIntent } from "./brand-intent-cache.js";
export { startClarificationSweeper } from "./clarification-sweeper.js";
export { classifyInbound, type TInboundClassification } from "./classify-inbound.js";
export { createInboundContext } from "./create-inbound-context.js";
export { expireClarifications } from "./expire-clarifications.js";
export { getIntentSettings, type TBrandIntent } from "./get-intent-settings.js";
export { handleInboundEvent } from "./handle-inbound-event.js";
export type {
  TEffects,
  TInboundAccount,
  TInboundAction,
  TInboundContext,
  TInboundOutcome,
  TIntentSummary,
} from "./inbound.types.js";
export {
  defaultIntentSettings,
  readIntentSettings,
  replyKinds,
  type TCustomKeywordSetting,
  type TIntentSettings,
  type TIntentSettingsInput,
  type TReplyKind,
  type TUncertainPolicy,
  toIntentSettings,
  uncertainPolicies,
  ZIntentSettingsInput,
} from "./intent-settings.schema.js";
export { isUnreachable } from "./is-unreachable.js";
export { listUnreachable } from "./list-unreachable.js";
export { loadWebhookAccount, WEBHOOK_ACCOUNT_TTL_MS } from "./load-webhook-account.js";
export { processInboundEvents } from "./process-inbound-events.js";
export { receiveWebhook, type TWebhookDelivery, type TWebhookReceipt } from "./receive-webhook.js";
export {
  recordProviderOptOut,
  type TProviderOptOutResult,
} from "./record-provider-opt-out.js";
export { replyText } from "./reply-text.js";
export { intentSettingsRoutes, ZIntentSettingsView } from "./routes-intent-settings.js";
export { inboundWebhookRoutes } from "./routes-webhooks.js";
export { setReachability } from "./set-reachability.js";
export { startProviderIdBackfill } from "./start-provider-id-backfill.js";
export { updateIntentSettings } from "./update-intent-settings.js";
