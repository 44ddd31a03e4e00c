export { checkWebhookUrl, resolveHost, type TResolveHost, type TUrlPolicy } from "./check-webhook-url.js";
export { createWebhookSubscription } from "./create-webhook-subscription.js";
export { deleteWebhookSubscription } from "./delete-webhook-subscription.js";
export { deliverWebhook, WEBHOOK_USER_AGENT } from "./deliver-webhook.js";
export { emitWebhookEvent } from "./emit-webhook-event.js";
export { emitWebhookEvents } from "./emit-webhook-events.js";
export {
  type TWebhookEventInput,
  type TWebhookEventSelector,
  type TWebhookEventType,
  webhookEventTypes,
} from "./event-types.js";
export { getWebhookDelivery } from "./get-webhook-delivery.js";
export { getWebhookSubscription } from "./get-webhook-subscription.js";
export { initWebhooks } from "./init-webhooks.js";
export { isPrivateAddress } from "./is-private-address.js";
export { listWebhookDeliveries } from "./list-webhook-deliveries.js";
export { listWebhookSubscriptions } from "./list-webhook-subscriptions.js";
export { postFailure, postWebhook, type TPostResult } from "./post-webhook.js";
export { purgeWebhookLog } from "./purge-webhook-log.js";
export { replayWebhookDelivery } from "./replay-webhook-delivery.js";
export { rotateWebhookSecret } from "./rotate-webhook-secret.js";
export { createWebhookRoutes, webhookRoutes } from "./routes.js";
export { signWebhook } from "./sign-webhook.js";
export { invalidateWebhookSubscriptions } from "./subscription-cache.js";
export { type TWebhookSubscriptionPatch, updateWebhookSubscription } from "./update-webhook-subscription.js";
export { SIGNATURE_TOLERANCE_SECONDS, verifyWebhookSignature } from "./verify-webhook-signature.js";
export { wantedWebhookEvents } from "./wanted-webhook-events.js";
export {
  deliverWebhookJob,
  purgeWebhookLogJob,
  webhookJobs,
  webhookRecurringJobs,
  webhookRetryDelaysMs,
} from "./webhook-jobs.js";
export type { TWebhookOptions } from "./webhook-options.js";
