/**
 * Messaging, outbound half: senders (channel accounts), the send API and its group commit, the
 * Twilio-compatible endpoint, the queue and its dispatcher, delivery statuses. Every message passes
 * the consent decision twice: when it is accepted and in the transaction that hands it to the channel.
 */
export { applyStatusEvent, type TApplyStatusEventOptions } from "./apply-status-event.js";
export {
  backfillProviderMessageIds,
  type TProviderMessageIdBackfill,
} from "./backfill-provider-message-ids.js";
export {
  channelAccountRoutes,
  presentChannelAccount,
  ZChannelAccount,
  ZCreateChannelAccountRequest,
} from "./channel-account-routes.js";
export {
  createChannelAccount,
  type TCreateChannelAccountInput,
  type TCreatedChannelAccount,
} from "./create-channel-account.js";
export { disableChannelAccount } from "./disable-channel-account.js";
export { signalDispatchers } from "./dispatch/dispatch-signal.js";
export type { TDispatcherOptions } from "./dispatch/dispatcher-host.js";
export { reapExpiredLeases } from "./dispatch/reap-expired-leases.js";
export type { TDispatchAccount } from "./dispatch/sender-runner.js";
export { startDispatcher } from "./dispatch/start-dispatcher.js";
export type { TMessageWebhookEvent, TMessageWebhookEventType } from "./emit-webhook-events.js";
export { enqueueComplianceReply, type TComplianceReplyOptions } from "./enqueue-compliance-reply.js";
export { ensureSandboxSender } from "./ensure-sandbox-sender.js";
export { findChannelAccountsByAddress } from "./find-channel-accounts-by-address.js";
export { getChannelAccount } from "./get-channel-account.js";
export {
  getChannelAccountForWebhook,
  type TWebhookChannelAccount,
} from "./get-channel-account-for-webhook.js";
export { getMessage } from "./get-message.js";
export { listChannelAccounts } from "./list-channel-accounts.js";
export { listMessages } from "./list-messages.js";
export { messageRoutes } from "./message-routes.js";
export {
  messageStatuses,
  statusRank,
  type TChannelAccountRow,
  type TMessageCategory,
  type TMessageContent,
  type TMessageStatus,
} from "./messaging.types.js";
export { presentMessage, ZMessage } from "./present-message.js";
export { recordBusinessConnection } from "./record-business-connection.js";
export { getSendBatcher } from "./send-batcher.js";
export { suppressQueuedForContact, type TSuppressQueuedOptions } from "./suppress-queued-for-contact.js";
export { touchCustomerWindow } from "./touch-customer-window.js";
export { deliverTwilioCallbacks } from "./twilio/deliver-twilio-callbacks.js";
export { startTwilioCallbackSender } from "./twilio/start-twilio-callback-sender.js";
export { createTwilioRoutes, twilioRoutes } from "./twilio/twilio-routes.js";
