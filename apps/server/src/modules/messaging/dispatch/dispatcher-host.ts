import type { TAppContext } from "../../../core/context.js";
import type { TChannelAdapter, TProviderId } from "../../channels/index.js";
import type { TClaimedMessage } from "./claim-messages.js";
import type { TSendResultItem } from "./record-send-results.js";
import type { TDispatchAccount } from "./sender-runner.js";

export interface TDispatcherOptions {
  /** Lease holder name (default host:pid:random). */
  workerId?: string;
  /** Build the adapter for a sender (tests and benchmarks pass fakes); default: the channels registry. */
  createAdapter?: (account: TDispatchAccount, credentials: unknown) => TChannelAdapter;
  /** Passed to the registry's adapters. */
  fetch?: typeof fetch;
  /** Provider API roots per provider (fake provider servers in tests). */
  baseUrls?: Partial<Record<TProviderId, string>>;
  /** Most messages claimed in one transaction (default 1000). */
  batchSize?: number;
  /** Idle poll; NOTIFY and in-process signals wake earlier (default 250 ms). */
  pollMs?: number;
  /** Sender lease (default 10 s); renewed by every claim. */
  senderLeaseMs?: number;
  /** A holder stops sending this long before its lease would lapse (default 2 s; more than the rate window). */
  leaseMarginMs?: number;
  /** How long a claimed message may stay `sending` before crash recovery takes it (default 60 s). */
  messageLeaseMs?: number;
  /** Crash-recovery sweep period (default 1 s). */
  reapEveryMs?: number;
  /** Senders one worker holds at most (default 64). */
  maxSenders?: number;
  /** Concurrent provider calls per sender (default 64). */
  maxInFlightPerSender?: number;
  /** Attempts before a retryable failure becomes a dead letter (default 8). */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A sender with no due message for this long is handed back (default 1 s). */
  idleReleaseMs?: number;
  /** Postgres URL for LISTEN assent_dispatch (default DATABASE_URL). */
  listenUrl?: string;
  /** Concurrent claim transactions for a sender whose rate limit never binds (default 3). */
  claimLanes?: number;
  /** Results written per transaction at most (default 2000) and the longest they wait (default 10 ms). */
  recordBatch?: number;
  recordEveryMs?: number;
  /** Called for every message right before it is handed to the adapter (tests record claim decisions). */
  onHandOff?: (m: TClaimedMessage & { channelAccountId: string }) => void;
}

export type TResolvedDispatcherOptions = Required<
  Omit<TDispatcherOptions, "createAdapter" | "fetch" | "baseUrls" | "listenUrl" | "onHandOff" | "workerId">
> &
  Pick<TDispatcherOptions, "createAdapter" | "fetch" | "baseUrls" | "listenUrl" | "onHandOff">;

/** What a sender runner needs from its dispatcher. */
export interface TDispatcherHost {
  readonly ctx: TAppContext;
  readonly holder: string;
  readonly options: TResolvedDispatcherOptions;
  readonly running: boolean;
  createAdapter(account: TDispatchAccount, credentials: unknown): TChannelAdapter;
  record(item: TSendResultItem): void;
}
