import { z } from "zod";
import { defineJob, type TAnyJobDefinition, type TRecurringJob } from "./jobs/index.js";
import { purgeIdempotencyKeys } from "./purge-idempotency-keys.js";

/** Deletes Idempotency-Key answers past their day of retention; runs hourly. */
export const purgeIdempotencyKeysJob = defineJob({
  name: "core.purge_idempotency_keys",
  schema: z.object({}).strict(),
  timeoutMs: 600_000,
  retry: { limit: 2, backoff: { type: "exponential", baseMs: 60_000 } },
  handler: async (_payload, run) => {
    await purgeIdempotencyKeys(run.ctx.db);
  },
});

/** The core job definitions for `startJobWorker`. */
export function coreJobs(): TAnyJobDefinition[] {
  return [purgeIdempotencyKeysJob];
}

/** The recurring core jobs: the idempotency purge every hour. */
export function coreRecurringJobs(): TRecurringJob[] {
  return [{ job: purgeIdempotencyKeysJob, everyMs: 3_600_000 }];
}
