import { z } from "zod";
import type { TJobRun } from "../../core/jobs/index.js";
import { defineJob, type TAnyJobDefinition, type TRecurringJob } from "../../core/jobs/index.js";
import { deliverWebhook } from "./deliver-webhook.js";
import { purgeWebhookLog } from "./purge-webhook-log.js";
import { DEFAULT_LOG_RETENTION_MS, type TWebhookOptions } from "./webhook-options.js";

/** Retry delays after a failed attempt: 30 s, 2 min, 10 min, 1 h, 6 h, 12 h, 24 h, 24 h (9 attempts, ~2.8 days). */
export const webhookRetryDelaysMs: readonly number[] = [
  30_000, 120_000, 600_000, 3_600_000, 21_600_000, 43_200_000, 86_400_000, 86_400_000,
];

export const ZDeliverWebhookPayload = z.object({
  workspaceId: z.string().min(1),
  deliveryId: z.string().min(1),
});
export type TDeliverWebhookPayload = z.infer<typeof ZDeliverWebhookPayload>;

/** One HTTP delivery of one event to one subscription (default options: private targets refused). */
export const deliverWebhookJob = defineJob({
  name: "webhooks.deliver",
  schema: ZDeliverWebhookPayload,
  retry: {
    limit: webhookRetryDelaysMs.length,
    backoff: { type: "schedule", delaysMs: webhookRetryDelaysMs, jitter: 0.1 },
  },
  timeoutMs: 60_000,
  handler: (payload, run) => deliverWebhook(payload, run, {}),
});

const purge = async (run: TJobRun, options: TWebhookOptions) => {
  await purgeWebhookLog(run.ctx.db, {
    before: new Date(Date.now() - (options.logRetentionMs ?? DEFAULT_LOG_RETENTION_MS)),
  });
};

/** Deletes events (with deliveries and attempts) past the log retention; runs hourly via webhookRecurringJobs. */
export const purgeWebhookLogJob = defineJob({
  name: "webhooks.purge",
  schema: z.object({}).strict(),
  timeoutMs: 600_000,
  retry: { limit: 2, backoff: { type: "exponential", baseMs: 60_000 } },
  handler: (_payload, run) => purge(run, {}),
});

/** The webhook job definitions for `startJobWorker`, bound to these options. */
export function webhookJobs(options: TWebhookOptions = {}): TAnyJobDefinition[] {
  return [
    {
      ...deliverWebhookJob,
      handler: (payload: TDeliverWebhookPayload, run: TJobRun) => deliverWebhook(payload, run, options),
    },
    { ...purgeWebhookLogJob, handler: (_payload: unknown, run: TJobRun) => purge(run, options) },
  ];
}

/** The recurring webhook jobs for `startJobWorker({ recurring })`: the hourly log purge. */
export function webhookRecurringJobs(options: TWebhookOptions = {}): TRecurringJob[] {
  const purgeJob = webhookJobs(options).find((j) => j.name === purgeWebhookLogJob.name);
  return purgeJob ? [{ job: purgeJob, everyMs: 3_600_000 }] : [];
}
