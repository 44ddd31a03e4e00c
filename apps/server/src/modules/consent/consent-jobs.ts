import { z } from "zod";
import {
  defineJob,
  type TAnyJobDefinition,
  type TJobRun,
  type TRecurringJob,
} from "../../core/jobs/index.js";
import { expireGrants } from "./expire-grants.js";

/** How often the expiry sweep runs (decisions never wait for it: they judge expiry by time). */
export const EXPIRE_GRANTS_EVERY_MS = 15 * 60_000;

/** Appends `expire` ledger entries for grants (and pending double opt-ins) that lapsed; see expireGrants. */
export const expireGrantsJob = defineJob({
  name: "consent.expire_grants",
  schema: z.object({}).strict(),
  timeoutMs: 600_000,
  retry: { limit: 2, backoff: { type: "exponential", baseMs: 60_000 } },
  handler: async (_payload, run: TJobRun) => {
    await expireGrants(run.ctx, { signal: run.signal });
  },
});

/** The consent job definitions for `startJobWorker`. */
export function consentJobs(): TAnyJobDefinition[] {
  return [expireGrantsJob];
}

/** The recurring consent jobs for `startJobWorker({ recurring })`: the expiry sweep every 15 minutes. */
export function consentRecurringJobs(): TRecurringJob[] {
  return [{ job: expireGrantsJob, everyMs: EXPIRE_GRANTS_EVERY_MS }];
}
