import { z } from "zod";
import { defineJob, type TAnyJobDefinition, type TRecurringJob } from "../../../core/jobs/index.js";
import { purgeTwilioCallbacks } from "./purge-twilio-callbacks.js";

/**
 * Deletes finished Twilio StatusCallbacks past their retention and the signing secrets of keys that can no
 * longer sign; runs hourly.
 */
export const purgeTwilioCallbacksJob = defineJob({
  name: "messaging.purge_twilio_callbacks",
  schema: z.object({}).strict(),
  timeoutMs: 600_000,
  retry: { limit: 2, backoff: { type: "exponential", baseMs: 60_000 } },
  handler: async (_payload, run) => {
    await purgeTwilioCallbacks(run.ctx.db);
  },
});

/** The Twilio callback job definitions for `startJobWorker`. */
export function twilioCallbackJobs(): TAnyJobDefinition[] {
  return [purgeTwilioCallbacksJob];
}

/** The recurring Twilio callback jobs: the purge every hour. */
export function twilioCallbackRecurringJobs(): TRecurringJob[] {
  return [{ job: purgeTwilioCallbacksJob, everyMs: 3_600_000 }];
}
