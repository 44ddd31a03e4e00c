/** Local fake providers and webhook helpers for channel and end-to-end tests. Never import from production code. */

export { catchChannelError } from "./catch-channel-error.js";
export {
  CallbackQueue,
  ScriptedReplies,
  startFakeHttpServer,
  type TCallbackDelivery,
  type TFakeHttpServer,
  type TFakeReply,
  type TRecordedRequest,
} from "./fake-http-server.js";
export {
  startFakeInstagramServer,
  type TFakeInstagramServer,
  type TFakeInstagramServerOptions,
  type TInstagramAccepted,
  type TInstagramSendRequest,
  ZInstagramSendRequest,
} from "./fake-instagram-server.js";
export {
  startFakeTelegramServer,
  type TFakeTelegramServer,
  type TFakeTelegramServerOptions,
  type TTelegramAccepted,
  telegramErrorReply,
} from "./fake-telegram-server.js";
export {
  startFakeTwilioServer,
  type TFakeTwilioServer,
  type TFakeTwilioServerOptions,
  type TTwilioAccepted,
  twilioErrorReply,
} from "./fake-twilio-server.js";
export {
  startFakeWhatsAppServer,
  type TFakeWhatsAppServer,
  type TFakeWhatsAppServerOptions,
  type TWhatsAppAccepted,
  type TWhatsAppSendRequest,
  ZWhatsAppSendRequest,
} from "./fake-whatsapp-server.js";
export { graphErrorReply } from "./graph-errors.js";
export {
  buildInstagramTextWebhook,
  buildTelegramTextUpdate,
  buildWhatsAppPreferenceWebhook,
  buildWhatsAppStatusWebhook,
  buildWhatsAppTextWebhook,
} from "./webhook-builders.js";
export { signMetaWebhook, signSandboxWebhook, signTwilioWebhook, twilioFormBody } from "./webhook-signing.js";
