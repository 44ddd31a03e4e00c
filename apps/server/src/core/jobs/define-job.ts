import type { z } from "zod";
import { registerJobDefinition } from "./job-registry.js";
import type { TJobDefinition, TJobRun, TRetryPolicy } from "./job-types.js";

/** Default retries: 5, exponential from 10 s to 1 h. */
export const defaultRetry: TRetryPolicy = {
  limit: 5,
  backoff: { type: "exponential", baseMs: 10_000, maxMs: 3_600_000 },
};

/**
 * Declare a job type once, at module load. The name is global (`module.action`); the payload schema is
 * checked at enqueue (a bad payload rolls the caller's transaction back) and again before the handler runs.
 */
export function defineJob<TPayload>(options: {
  name: string;
  schema: z.ZodType<TPayload>;
  handler: (payload: TPayload, run: TJobRun) => Promise<void>;
  retry?: TRetryPolicy;
  timeoutMs?: number;
}): TJobDefinition<TPayload> {
  if (!/^[a-z][a-z0-9_.:-]{0,99}$/.test(options.name)) throw new Error(`invalid job name ${options.name}`);
  if (options.retry && (!Number.isInteger(options.retry.limit) || options.retry.limit < 0)) {
    throw new Error(`job ${options.name}: retry.limit must be a non-negative integer`);
  }
  const definition: TJobDefinition<TPayload> = {
    name: options.name,
    schema: options.schema,
    handler: options.handler,
    retry: options.retry ?? defaultRetry,
    timeoutMs: options.timeoutMs ?? 300_000,
  };
  registerJobDefinition(definition);
  return definition;
}
