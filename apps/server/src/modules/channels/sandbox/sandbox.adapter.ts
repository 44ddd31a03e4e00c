import type {
  TAdapterDeps,
  TChannelAdapter,
  TNormalizedEvent,
  TOutboundMessage,
  TSendResult,
} from "../channel-adapter.js";
import { parseJsonBody, parseOutbound, parseWith } from "../internal/json.js";
import { type TSandboxCredentials, type TSandboxWebhook, ZSandboxWebhook } from "./sandbox.payloads.js";
import { verifySandboxSignature } from "./sandbox.signature.js";

/** Deterministic: the same messageId always gets the same id, so a resend cannot duplicate. */
export function sandboxProviderMessageId(messageId: string): string {
  return `sbx_${messageId}`;
}

function toEvent(event: TSandboxWebhook["events"][number], now: Date): TNormalizedEvent {
  const at = event.timestamp === undefined ? now : new Date(event.timestamp);
  switch (event.type) {
    case "message":
      return {
        kind: "inbound_message",
        dedupeKey: event.id,
        providerMessageId: event.id,
        from: event.from,
        body: event.body,
        receivedAt: at,
        ...(event.to === undefined ? {} : { to: event.to }),
        ...(event.media === undefined ? {} : { media: event.media }),
        ...(event.profileName === undefined ? {} : { profileName: event.profileName }),
        ...(event.buttonPayload === undefined ? {} : { buttonPayload: event.buttonPayload }),
      };
    case "status":
      return {
        kind: "status",
        dedupeKey: `${event.providerMessageId}:${event.status}`,
        providerMessageId: event.providerMessageId,
        status: event.status,
        at,
        ...(event.errorCode === undefined ? {} : { errorCode: event.errorCode }),
        ...(event.errorMessage === undefined ? {} : { errorMessage: event.errorMessage }),
      };
    case "preference":
      return {
        kind: "preference",
        dedupeKey: `preference:${event.from}:${event.value}:${at.getTime()}`,
        from: event.from,
        category: "marketing",
        value: event.value,
        at,
      };
    case "blocked":
    case "unblocked":
      return {
        kind: event.type,
        dedupeKey: `${event.type}:${event.from}:${at.getTime()}`,
        from: event.from,
        at,
      };
  }
}

/** Parses the sandbox webhook format (shared with the fake adapter). */
export function parseSandboxWebhook(rawBody: Buffer, now: Date): TNormalizedEvent[] {
  const webhook = parseWith(ZSandboxWebhook, parseJsonBody(rawBody), "sandbox webhook");
  return webhook.events.map((event) => toEvent(event, now));
}

/**
 * The sandbox channel has no provider: `send` accepts at once and the messaging layer keeps the
 * outbox itself. Inbound traffic is simulated by POSTing signed sandbox webhooks.
 */
export function createSandboxAdapter(
  credentials: TSandboxCredentials,
  deps: TAdapterDeps = {},
): TChannelAdapter {
  const clock = deps.clock ?? (() => new Date());
  return {
    providerId: "sandbox",
    channel: "sandbox",
    idempotentSends: true,
    send: async (message: TOutboundMessage): Promise<TSendResult> => {
      const valid = parseOutbound(message);
      return { providerMessageId: sandboxProviderMessageId(valid.messageId), acceptedAt: clock() };
    },
    verifyWebhook: (input) => verifySandboxSignature(credentials.webhookSecret, input, clock()),
    parseWebhook: (input) => parseSandboxWebhook(input.rawBody, clock()),
  };
}
