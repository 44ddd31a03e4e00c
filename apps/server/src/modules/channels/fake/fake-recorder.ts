import type { TOutboundMessage } from "../channel-adapter.js";
import type { TFakeFailure } from "./fake.payloads.js";

export interface TFakeSentMessage {
  providerMessageId: string;
  acceptedAt: Date;
  message: TOutboundMessage;
}

/**
 * Shared, mutable test double state: what fake adapters sent, and the failures they should produce.
 * Adapters stay stateless; tests create one recorder and pass it to every adapter they build.
 */
export class FakeRecorder {
  /** Accepted sends, in order (idempotent duplicates are not added twice). */
  readonly sent: TFakeSentMessage[] = [];
  /** Every send call, including failed and deduplicated ones. */
  attempts = 0;
  /** Set to false to count only (benchmarks): nothing is stored in `sent`. */
  keepMessages = true;
  private readonly failures = new Map<string, TFakeFailure & { remaining: number }>();
  private readonly acceptedById = new Map<string, TFakeSentMessage>();

  /** Makes sends to `to` ("*" = anyone) fail with this ChannelError, `times` times or forever. */
  failFor(to: string, failure: TFakeFailure): void {
    this.failures.set(to, { ...failure, remaining: failure.times ?? Number.POSITIVE_INFINITY });
  }

  clearFailures(): void {
    this.failures.clear();
  }

  get hasFailures(): boolean {
    return this.failures.size > 0;
  }

  /** Returns and consumes the failure planned for `to`, if any. */
  takeFailure(to: string): TFakeFailure | undefined {
    const failure = this.failures.get(to) ?? this.failures.get("*");
    if (failure === undefined || failure.remaining <= 0) return undefined;
    failure.remaining -= 1;
    return failure;
  }

  /** The earlier accepted send with this messageId (idempotent fakes answer with it). */
  acceptedFor(messageId: string): TFakeSentMessage | undefined {
    return this.acceptedById.get(messageId);
  }

  record(sent: TFakeSentMessage): void {
    if (!this.keepMessages) return;
    this.sent.push(sent);
    this.acceptedById.set(sent.message.messageId, sent);
  }

  sentTo(to: string): TFakeSentMessage[] {
    return this.sent.filter((item) => item.message.to === to);
  }

  reset(): void {
    this.sent.length = 0;
    this.attempts = 0;
    this.failures.clear();
    this.acceptedById.clear();
  }
}

export function createFakeRecorder(options: { keepMessages?: boolean } = {}): FakeRecorder {
  const recorder = new FakeRecorder();
  if (options.keepMessages === false) recorder.keepMessages = false;
  return recorder;
}
