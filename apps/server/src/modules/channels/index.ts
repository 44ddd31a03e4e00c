/**
 * Channel adapters: our outbound message → provider request, provider webhook → normalised events.
 * Adapters never touch the database or env, never retry, never log, and import no other module.
 */
export {
  providerIds,
  type TAdapterDeps,
  type TChannel,
  type TChannelAdapter,
  type TDeliveryStatus,
  type THandshakeResult,
  type THeaders,
  type TInboundMedia,
  type TNormalizedEvent,
  type TNormalizedEventKind,
  type TOutboundMedia,
  type TOutboundMessage,
  type TOutboundTemplate,
  type TParseWebhookInput,
  type TProviderId,
  type TSendResult,
  type TTemplateComponent,
  type TVerifyWebhookInput,
  ZOutboundMessage,
  ZProviderId,
  ZTemplateComponent,
} from "./channel-adapter.js";
export {
  ChannelError,
  channelErrorCodes,
  isChannelError,
  type TChannelErrorCode,
  type TChannelErrorOptions,
} from "./channel-error.js";
export { createFakeAdapter, type TFakeAdapterOptions } from "./fake/fake.adapter.js";
export type { TFakeCredentials, TFakeFailure } from "./fake/fake.payloads.js";
export { createFakeRecorder, FakeRecorder, type TFakeSentMessage } from "./fake/fake-recorder.js";
export { defaultRateLimits, type TRateLimit, type TRateLimitKey } from "./rate-limits.js";
export {
  checkCredentials,
  createAdapter,
  credentialSchemas,
  providerChannels,
  type TCreateAdapterDeps,
  type TCredentialCheck,
  type TProviderCredentials,
} from "./registry.js";
export { sandboxProviderMessageId } from "./sandbox/sandbox.adapter.js";
export { sandboxSignatureToleranceMs, signSandboxWebhook } from "./sandbox/sandbox.signature.js";
export { countSmsSegments, type TSmsSegmentCount } from "./sms-segments.js";
export { computeTwilioSignature } from "./twilio/twilio.signature.js";
export { webhookRoutingKeys } from "./webhook-routing.js";
