import type { z } from "zod";
import type { TAdapterDeps, TChannel, TChannelAdapter, TProviderId } from "./channel-adapter.js";
import { ChannelError } from "./channel-error.js";
import { createFakeAdapter } from "./fake/fake.adapter.js";
import { ZFakeCredentials } from "./fake/fake.payloads.js";
import type { FakeRecorder } from "./fake/fake-recorder.js";
import { createInstagramAdapter } from "./instagram/instagram.adapter.js";
import { ZInstagramCredentials } from "./instagram/instagram.payloads.js";
import { describeIssues } from "./internal/json.js";
import { createSandboxAdapter } from "./sandbox/sandbox.adapter.js";
import { ZSandboxCredentials } from "./sandbox/sandbox.payloads.js";
import { createTelegramBotAdapter } from "./telegram-bot/telegram-bot.adapter.js";
import { ZTelegramBotCredentials } from "./telegram-bot/telegram-bot.payloads.js";
import { createTwilioAdapter } from "./twilio/twilio.adapter.js";
import { ZTwilioCredentials } from "./twilio/twilio.payloads.js";
import { createWhatsAppCloudAdapter } from "./whatsapp-cloud/whatsapp-cloud.adapter.js";
import { ZWhatsAppCloudCredentials } from "./whatsapp-cloud/whatsapp-cloud.payloads.js";

/** Credential schemas per provider; validate with these when a channel account is saved. */
export const credentialSchemas = {
  "whatsapp-cloud": ZWhatsAppCloudCredentials,
  twilio: ZTwilioCredentials,
  "telegram-bot": ZTelegramBotCredentials,
  instagram: ZInstagramCredentials,
  sandbox: ZSandboxCredentials,
  fake: ZFakeCredentials,
} as const satisfies Record<TProviderId, z.ZodType>;

export type TProviderCredentials = { [K in TProviderId]: z.infer<(typeof credentialSchemas)[K]> };

/** The channel each provider serves (`fake` pretends to be whichever its credentials say, default sandbox). */
export const providerChannels = {
  "whatsapp-cloud": "whatsapp",
  twilio: "sms",
  "telegram-bot": "telegram",
  instagram: "instagram",
  sandbox: "sandbox",
  fake: "sandbox",
} as const satisfies Record<TProviderId, TChannel>;

export interface TCreateAdapterDeps extends TAdapterDeps {
  /** `fake` only: where sends are recorded and failures scripted. */
  recorder?: FakeRecorder;
}

export type TCredentialCheck = { ok: true } | { ok: false; issues: string };

/** Validates credentials for a provider; `issues` names failing fields only, never their values. */
export function checkCredentials(providerId: TProviderId, credentials: unknown): TCredentialCheck {
  const result = credentialSchemas[providerId].safeParse(credentials);
  return result.success ? { ok: true } : { ok: false, issues: describeIssues(result.error) };
}

function parseCredentials<T>(schema: z.ZodType<T>, providerId: TProviderId, credentials: unknown): T {
  const result = schema.safeParse(credentials);
  if (!result.success) {
    throw new ChannelError("AUTH_FAILED", {
      message: `invalid ${providerId} credentials (${describeIssues(result.error)})`,
      retryable: false,
    });
  }
  return result.data;
}

/**
 * Builds a fresh, stateless adapter. Throws ChannelError AUTH_FAILED when the credentials do not fit
 * the provider's schema.
 */
export function createAdapter(
  providerId: TProviderId,
  credentials: unknown,
  deps: TCreateAdapterDeps = {},
): TChannelAdapter {
  switch (providerId) {
    case "whatsapp-cloud":
      return createWhatsAppCloudAdapter(
        parseCredentials(ZWhatsAppCloudCredentials, providerId, credentials),
        deps,
      );
    case "twilio":
      return createTwilioAdapter(parseCredentials(ZTwilioCredentials, providerId, credentials), deps);
    case "telegram-bot":
      return createTelegramBotAdapter(
        parseCredentials(ZTelegramBotCredentials, providerId, credentials),
        deps,
      );
    case "instagram":
      return createInstagramAdapter(parseCredentials(ZInstagramCredentials, providerId, credentials), deps);
    case "sandbox":
      return createSandboxAdapter(parseCredentials(ZSandboxCredentials, providerId, credentials), deps);
    case "fake": {
      const options = parseCredentials(ZFakeCredentials, providerId, credentials ?? {});
      return createFakeAdapter({
        ...options,
        ...(deps.recorder === undefined ? {} : { recorder: deps.recorder }),
        ...(deps.clock === undefined ? {} : { clock: deps.clock }),
      });
    }
  }
}
