import { auditRoutes } from "../modules/audit/index.js";
import { apiKeyRoutes, memberRoutes, mfaRoutes, sessionRoutes } from "../modules/auth/index.js";
import { consentRoutes } from "../modules/consent/index.js";
import { contactRoutes } from "../modules/contacts/index.js";
import { inboundWebhookRoutes, intentSettingsRoutes } from "../modules/inbound/index.js";
import { channelAccountRoutes, messageRoutes, twilioRoutes } from "../modules/messaging/index.js";
import { sandboxRoutes } from "../modules/sandbox/index.js";
import { createWebhookRoutes } from "../modules/webhooks/index.js";
import { workspaceRoutes, workspaceSettingsRoutes } from "../modules/workspaces/index.js";
import type { TRouteModule } from "./app.js";

/** Every module's routes, mounted in this order. */
export const allRoutes: readonly TRouteModule[] = [
  workspaceRoutes,
  workspaceSettingsRoutes,
  sessionRoutes,
  mfaRoutes,
  memberRoutes,
  apiKeyRoutes,
  auditRoutes,
  contactRoutes,
  consentRoutes,
  channelAccountRoutes,
  messageRoutes,
  twilioRoutes,
  inboundWebhookRoutes,
  intentSettingsRoutes,
  sandboxRoutes,
  (app, ctx) => createWebhookRoutes({ allowPrivateUrls: ctx.config.webhooksAllowPrivate })(app, ctx),
];
