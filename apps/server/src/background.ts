import type { TAppContext } from "./core/context.js";
import { coreJobs, coreRecurringJobs } from "./core/idempotency-jobs.js";
import { startJobWorker } from "./core/jobs/index.js";
import { consentJobs, consentRecurringJobs } from "./modules/consent/index.js";
import { startClarificationSweeper, startProviderIdBackfill } from "./modules/inbound/index.js";
import { startDispatcher, startTwilioCallbackSender } from "./modules/messaging/index.js";
// Not yet exported by modules/messaging/index.ts (owned elsewhere while it changes).
import {
  twilioCallbackJobs,
  twilioCallbackRecurringJobs,
} from "./modules/messaging/twilio/twilio-callback-jobs.js";
import { webhookJobs, webhookRecurringJobs } from "./modules/webhooks/index.js";

/** A background loop (dispatcher, scheduler, job worker); returns its stop function. */
export type TBackgroundTask = (ctx: TAppContext) => Promise<() => Promise<void>>;

/**
 * The job worker: customer webhook deliveries and the recurring log purge, the consent expiry sweep, the
 * purge of Idempotency-Key answers and that of Twilio StatusCallbacks and their signing secrets (other
 * modules' jobs join here).
 */
const jobWorker: TBackgroundTask = (ctx) => {
  const options = { allowPrivateUrls: ctx.config.webhooksAllowPrivate };
  return startJobWorker(ctx, {
    jobs: [...webhookJobs(options), ...consentJobs(), ...coreJobs(), ...twilioCallbackJobs()],
    recurring: [
      ...webhookRecurringJobs(options),
      ...consentRecurringJobs(),
      ...coreRecurringJobs(),
      ...twilioCallbackRecurringJobs(),
    ],
    concurrency: 8,
  });
};

/** Loops run by `--role worker`. */
export const workerTasks: TBackgroundTask[] = [
  jobWorker,
  (ctx) => startDispatcher(ctx),
  (ctx) => startTwilioCallbackSender(ctx),
];
/** Loops run by `--role scheduler` (exactly one scheduler is enough; several are safe). */
export const schedulerTasks: TBackgroundTask[] = [startClarificationSweeper, startProviderIdBackfill];
