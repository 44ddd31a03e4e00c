export { asDate } from "./as-date.js";
export { defaultRetry, defineJob } from "./define-job.js";
export { enqueueJob } from "./enqueue-job.js";
export { enqueueJobs, type TEnqueueOptions } from "./enqueue-jobs.js";
export type {
  TAnyJobDefinition,
  TBackoff,
  TJobDefinition,
  TJobRun,
  TRecurringJob,
  TRetryPolicy,
} from "./job-types.js";
export { retryDelay } from "./retry-delay.js";
export { startJobWorker, type TJobWorkerOptions } from "./start-job-worker.js";
