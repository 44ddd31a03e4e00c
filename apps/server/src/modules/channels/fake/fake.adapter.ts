import { setTimeout as sleep } from "node:timers/promises";
import type { TChannel, TChannelAdapter, TOutboundMessage, TSendResult } from "../channel-adapter.js";
import { ChannelError } from "../channel-error.js";
import { parseSandboxWebhook } from "../sandbox/sandbox.adapter.js";
import { verifySandboxSignature } from "../sandbox/sandbox.signature.js";
import type { TFakeCredentials, TFakeFailure } from "./fake.payloads.js";
import type { FakeRecorder } from "./fake-recorder.js";

export interface TFakeAdapterOptions extends TFakeCredentials {
  recorder?: FakeRecorder;
  clock?: () => Date;
}

let sequence = 0;

function toError(failure: TFakeFailure): ChannelError {
  return new ChannelError(failure.code, {
    message: `fake provider: scripted ${failure.code}`,
    ...(failure.retryable === undefined ? {} : { retryable: failure.retryable }),
    ...(failure.providerCode === undefined ? {} : { providerCode: failure.providerCode }),
    ...(failure.providerStatus === undefined ? {} : { providerStatus: failure.providerStatus }),
    ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
    ...(failure.maybeSent === undefined ? {} : { maybeSent: failure.maybeSent }),
    ...(failure.recipientScoped === undefined ? {} : { recipientScoped: failure.recipientScoped }),
  });
}

/**
 * In-memory adapter for tests, local development and dispatch benchmarks. With no recorder, no
 * failures and no latency, `send` is a no-op that allocates one result object.
 */
export function createFakeAdapter(options: TFakeAdapterOptions = {}): TChannelAdapter {
  const clock = options.clock ?? (() => new Date());
  const idempotent = options.idempotentSends ?? true;
  const channel: TChannel = options.channel ?? "sandbox";
  const { recorder, latencyMs } = options;
  const failWith = options.failWith;
  const providerMessageId = (messageId: string): string =>
    idempotent ? `fake_${messageId}` : `fake_${messageId}_${++sequence}`;

  const fastPath = recorder === undefined && failWith === undefined && latencyMs === undefined;
  const send = fastPath
    ? (message: TOutboundMessage): Promise<TSendResult> =>
        Promise.resolve({ providerMessageId: providerMessageId(message.messageId), acceptedAt: clock() })
    : async (message: TOutboundMessage): Promise<TSendResult> => {
        if (latencyMs !== undefined && latencyMs > 0) await sleep(latencyMs);
        if (recorder !== undefined) recorder.attempts += 1;
        const failure = recorder?.takeFailure(message.to) ?? failWith?.[message.to] ?? failWith?.["*"];
        if (failure !== undefined) throw toError(failure);
        const earlier = idempotent ? recorder?.acceptedFor(message.messageId) : undefined;
        if (earlier !== undefined)
          return { providerMessageId: earlier.providerMessageId, acceptedAt: earlier.acceptedAt };
        const result = { providerMessageId: providerMessageId(message.messageId), acceptedAt: clock() };
        recorder?.record({ ...result, message });
        return result;
      };

  return {
    providerId: "fake",
    channel,
    idempotentSends: idempotent,
    send,
    verifyWebhook: (input) =>
      options.webhookSecret !== undefined && verifySandboxSignature(options.webhookSecret, input, clock()),
    parseWebhook: (input) => parseSandboxWebhook(input.rawBody, clock()),
  };
}
