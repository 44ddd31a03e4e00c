import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { sql } from "drizzle-orm";
import type { TAppContext } from "../context.js";
import { rows } from "../db/tx.js";
import { asDate } from "./as-date.js";
import { enqueueJob } from "./enqueue-job.js";
import type { TAnyJobDefinition, TJobRun, TRecurringJob } from "./job-types.js";
import { retryDelay } from "./retry-delay.js";

export interface TJobWorkerOptions {
  /** The job types this worker runs (it claims no other name). */
  jobs: readonly TAnyJobDefinition[];
  /** Jobs run at the same time by this worker. */
  concurrency: number;
  /** Jobs enqueued every period (they are run by this worker too, without being listed in `jobs`). */
  recurring?: readonly TRecurringJob[];
  /** Idle wait between claims when nothing was due (default 1 s). */
  pollIntervalMs?: number;
  /** How often expired leases are recovered and finished jobs purged (default 30 s). */
  maintenanceIntervalMs?: number;
  /** Completed jobs are deleted after this long (default 1 day). */
  keepCompletedMs?: number;
  /** Dead jobs are deleted after this long (default 30 days). */
  keepDeadMs?: number;
  /** On stop, how long running jobs may finish before they are aborted and released (default 10 s). */
  stopGraceMs?: number;
}

interface TClaimedRow {
  id: string;
  name: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
}

type TOutcome =
  | { state: "completed" }
  | { state: "dead"; error: string }
  | { state: "pending"; delayMs: number; error: string }
  | { state: "released" };

const LEASE_MARGIN_MS = 30_000;
const MAX_ERROR_LENGTH = 500;

class JobTimeout extends Error {
  override readonly name = "JobTimeout";
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, MAX_ERROR_LENGTH);
}

/**
 * Run jobs from the `jobs` table until the returned stop function is called. A claim is one statement with
 * `FOR UPDATE SKIP LOCKED`, so any number of workers in any number of processes never run a job twice; a
 * claim holds a lease, and a job whose lease expired (its worker died) runs again, or is dead if that was
 * its last attempt.
 */
export async function startJobWorker(
  ctx: TAppContext,
  options: TJobWorkerOptions,
): Promise<() => Promise<void>> {
  const byName = new Map(options.jobs.map((j) => [j.name, j]));
  if (byName.size !== options.jobs.length) throw new Error("startJobWorker: a job name is listed twice");
  const recurring = options.recurring ?? [];
  for (const r of recurring) {
    if (!(r.everyMs >= 1000))
      throw new Error(`startJobWorker: ${r.job.name} must recur at most once a second`);
    if (!byName.has(r.job.name)) byName.set(r.job.name, r.job);
  }
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const pollMs = options.pollIntervalMs ?? 1000;
  const maintenanceMs = options.maintenanceIntervalMs ?? 30_000;
  const keepCompletedMs = options.keepCompletedMs ?? 86_400_000;
  const keepDeadMs = options.keepDeadMs ?? 30 * 86_400_000;
  const workerId = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const log = ctx.logger.child({ component: "jobs", workerId });
  const names = [...byName.keys()];
  const leases = names.map((n) => (byName.get(n)?.timeoutMs ?? 0) + LEASE_MARGIN_MS);

  const running = new Map<string, { done: Promise<void>; abort: AbortController }>();
  let stopped = false;
  let wake: (() => void) | undefined;
  let lastMaintenance = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  const claim = (limit: number) =>
    rows<TClaimedRow>(
      ctx.db,
      sql`with due as (
          select id from jobs
          where state = 'pending' and run_at <= now() and name = any(${sql.param(names)}::text[])
          order by run_at limit ${limit} for update skip locked)
        update jobs j set state = 'running', attempts = j.attempts + 1, locked_by = ${workerId},
          locked_until = now() + l.lease_ms * interval '1 millisecond', updated_at = now()
        from due, unnest(${sql.param(names)}::text[], ${sql.param(leases)}::int[]) as l(name, lease_ms)
        where j.id = due.id and l.name = j.name
        returning j.id, j.name, j.payload, j.attempts, j.max_attempts`,
    );

  const finish = async (row: TClaimedRow, outcome: TOutcome) => {
    // The guard makes a late outcome harmless once the lease expired and another worker took the job.
    const guard = sql`id = ${row.id} and locked_by = ${workerId} and attempts = ${row.attempts} and state = 'running'`;
    switch (outcome.state) {
      case "released":
        // Stopped before the attempt finished: it does not count, and it runs again at once.
        await ctx.db.execute(sql`update jobs set state = 'pending', attempts = attempts - 1, run_at = now(),
          locked_by = null, locked_until = null, updated_at = now() where ${guard}`);
        return;
      case "pending":
        await ctx.db.execute(sql`update jobs set state = 'pending',
          run_at = now() + ${outcome.delayMs} * interval '1 millisecond', locked_by = null, locked_until = null,
          last_error = ${outcome.error}, updated_at = now() where ${guard}`);
        return;
      case "completed":
        await ctx.db.execute(sql`update jobs set state = 'completed', finished_at = now(), locked_by = null,
          locked_until = null, last_error = null, updated_at = now() where ${guard}`);
        return;
      case "dead":
        await ctx.db.execute(sql`update jobs set state = 'dead', finished_at = now(), locked_by = null,
          locked_until = null, last_error = ${outcome.error}, updated_at = now() where ${guard}`);
        return;
    }
  };

  const attempt = (definition: TAnyJobDefinition, payload: unknown, run: TJobRun, abort: AbortController) => {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => abort.abort(new JobTimeout(`timed out after ${definition.timeoutMs} ms`)),
        definition.timeoutMs,
      );
      abort.signal.addEventListener("abort", () => reject(abort.signal.reason), { once: true });
    });
    return Promise.race([definition.handler(payload, run), limit]).finally(() => clearTimeout(timer));
  };

  const execute = async (row: TClaimedRow, abort: AbortController): Promise<void> => {
    const definition = byName.get(row.name);
    if (!definition) return;
    const parsed = definition.schema.safeParse(row.payload);
    if (!parsed.success) {
      log.error({ jobId: row.id, job: row.name }, "job payload does not match its schema; marked dead");
      await finish(row, {
        state: "dead",
        error: `invalid payload: ${parsed.error.issues[0]?.message ?? ""}`,
      });
      return;
    }
    const last = row.attempts >= row.max_attempts;
    const delayMs = last ? 0 : retryDelay(definition.retry.backoff, row.attempts);
    const run: TJobRun = {
      id: row.id,
      name: row.name,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
      retryAt: last ? null : new Date(Date.now() + delayMs),
      signal: abort.signal,
      ctx,
    };
    try {
      await attempt(definition, parsed.data, run, abort);
      await finish(row, { state: "completed" });
    } catch (error) {
      if (stopped && abort.signal.aborted && !(abort.signal.reason instanceof JobTimeout)) {
        await finish(row, { state: "released" });
        return;
      }
      const text = errorText(error);
      log.warn(
        { jobId: row.id, job: row.name, attempt: row.attempts, maxAttempts: row.max_attempts, error: text },
        last ? "job dead after its last attempt" : "job attempt failed; will retry",
      );
      await finish(row, last ? { state: "dead", error: text } : { state: "pending", delayMs, error: text });
    }
  };

  const maintain = async () => {
    await ctx.db.execute(sql`update jobs set
        state = case when attempts >= max_attempts then 'dead' else 'pending' end,
        finished_at = case when attempts >= max_attempts then now() end,
        run_at = now(), locked_by = null, locked_until = null, updated_at = now(),
        last_error = 'lease expired: the worker stopped or crashed during the attempt'
      where state = 'running' and locked_until < now()`);
    await ctx.db.execute(sql`delete from jobs where id in (select id from jobs
      where (state = 'completed' and finished_at < now() - ${keepCompletedMs} * interval '1 millisecond')
         or (state = 'dead' and finished_at < now() - ${keepDeadMs} * interval '1 millisecond')
      limit 1000)`);
  };

  // When each recurring job is next due, as last read from job_schedules.
  const nextDue = new Map<string, number>(recurring.map((r) => [r.job.name, 0]));

  const scheduleRecurring = async () => {
    for (const r of recurring) {
      if ((nextDue.get(r.job.name) ?? 0) > Date.now()) continue;
      const next = await ctx.db.transaction(async (tx) => {
        const [claimed] = await rows<{ next_run_at: unknown }>(
          tx,
          sql`insert into job_schedules (name, every_ms, next_run_at) values (${r.job.name}, ${r.everyMs}, now())
            on conflict (name) do update set every_ms = excluded.every_ms,
              next_run_at = least(job_schedules.next_run_at, now() + excluded.every_ms * interval '1 millisecond')
            returning next_run_at`,
        );
        const [due] = await rows<{ next_run_at: unknown }>(
          tx,
          sql`update job_schedules set next_run_at = now() + every_ms * interval '1 millisecond', updated_at = now()
            where name = ${r.job.name} and next_run_at <= now() returning next_run_at`,
        );
        if (due) await enqueueJob(tx, r.job, r.payload ?? {}, { singletonKey: "recurring" });
        return asDate((due ?? claimed)?.next_run_at).getTime();
      });
      // Re-read at least every maintenance interval: another process may run the schedule.
      nextDue.set(r.job.name, Math.min(Number.isNaN(next) ? 0 : next, Date.now() + maintenanceMs));
    }
  };

  const start = (row: TClaimedRow) => {
    const abort = new AbortController();
    const done = execute(row, abort)
      .catch((error: unknown) => log.error({ jobId: row.id, err: error }, "could not record the job outcome"))
      .finally(() => {
        running.delete(row.id);
        wake?.();
      });
    running.set(row.id, { done, abort });
  };

  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        if (Date.now() - lastMaintenance >= maintenanceMs) {
          lastMaintenance = Date.now();
          await maintain();
        }
        if (recurring.length > 0) await scheduleRecurring();
        const free = concurrency - running.size;
        const claimed = free > 0 ? await claim(free) : [];
        failures = 0;
        for (const row of claimed) start(row);
        // A full batch means more may be due: claim again without waiting.
        if (claimed.length > 0 && claimed.length === free) continue;
        if (!stopped) await sleep(pollMs);
      } catch (error) {
        failures += 1;
        log.error({ err: error }, "job worker could not claim");
        if (!stopped) await sleep(Math.min(pollMs * 2 ** failures, 30_000));
      }
    }
  };

  log.info({ jobs: names, concurrency }, "job worker started");
  const looping = loop();
  return async () => {
    if (stopped) return;
    stopped = true;
    wake?.();
    await looping;
    const grace = new Promise<void>((resolve) => setTimeout(resolve, options.stopGraceMs ?? 10_000).unref());
    await Promise.race([Promise.allSettled([...running.values()].map((r) => r.done)), grace]);
    for (const r of running.values()) r.abort.abort(new Error("the job worker stopped"));
    await Promise.allSettled([...running.values()].map((r) => r.done));
    log.info("job worker stopped");
  };
}
