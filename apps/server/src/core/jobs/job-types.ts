import type { z } from "zod";
import type { TAppContext } from "../context.js";

/**
 * How long to wait before retry `n` (1-based): exponential (`baseMs · factor^(n-1)`, capped at `maxMs`) or a
 * fixed schedule (the last delay repeats). Every delay is spread by ±`jitter` (a fraction, default 0.1) so
 * jobs that failed together do not retry together.
 */
export type TBackoff =
  | { type: "exponential"; baseMs: number; factor?: number; maxMs?: number; jitter?: number }
  | { type: "schedule"; delaysMs: readonly number[]; jitter?: number };

export interface TRetryPolicy {
  /** Retries after the first attempt (0: none). After the last one fails the job is `dead`. */
  limit: number;
  backoff: TBackoff;
}

/** What a handler knows about the attempt it is running. */
export interface TJobRun {
  readonly id: string;
  readonly name: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** When the job will run again if this attempt throws; null when this is the last attempt. */
  readonly retryAt: Date | null;
  /** Aborted when the attempt times out or the worker stops. */
  readonly signal: AbortSignal;
  readonly ctx: TAppContext;
}

/** A job type: its name, the zod schema of its payload, its handler and its retry policy. */
export interface TJobDefinition<TPayload = unknown> {
  readonly name: string;
  readonly schema: z.ZodType<TPayload>;
  /** Runs at least once per job (crash recovery may repeat an attempt): make it idempotent. Throw to retry. */
  // Method syntax on purpose: a definition for one payload type must fit where any definition is expected.
  handler(payload: TPayload, run: TJobRun): Promise<void>;
  readonly retry: TRetryPolicy;
  /** An attempt running longer than this is aborted and counted as failed. */
  readonly timeoutMs: number;
}

/** A job definition of any payload (what a worker is given); the worker parses payloads with the schema first. */
export type TAnyJobDefinition = TJobDefinition<unknown>;

/** A job the workers enqueue by themselves every `everyMs` (once per period across all processes). */
export interface TRecurringJob {
  job: TAnyJobDefinition;
  everyMs: number;
  /** Checked against the job's schema (default `{}`). */
  payload?: unknown;
}
