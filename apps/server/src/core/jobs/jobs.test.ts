import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestDatabase, type TTestDatabase } from "../../../test/harness.js";
import { loadConfig } from "../../config/env.js";
import type { TAppContext } from "../context.js";
import { createContext } from "../create-context.js";
import { rows } from "../db/tx.js";
import { createLogger } from "../logger.js";
import {
  asDate,
  defineJob,
  enqueueJob,
  enqueueJobs,
  retryDelay,
  startJobWorker,
  type TJobRun,
} from "./index.js";

let database: TTestDatabase;
let ctx: TAppContext;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    ASSENT_MASTER_KEY: randomBytes(32).toString("base64"),
  });
  ctx = await createContext(config, createLogger("silent"), { database, migrate: false });
});
afterAll(async () => database.close());

interface TJobRow {
  id: string;
  state: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  run_at: unknown;
  updated_at: unknown;
}

const jobRows = (name: string) =>
  rows<TJobRow>(
    ctx.db,
    sql`select id, state, attempts, max_attempts, last_error, run_at, updated_at from jobs where name = ${name} order by id`,
  );

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const fast = { pollIntervalMs: 20, maintenanceIntervalMs: 50, stopGraceMs: 2000 };

describe("enqueueJob", () => {
  const noop = defineJob({
    name: "test.noop",
    schema: z.object({ n: z.number().int() }),
    handler: async () => {},
  });

  it("creates the job only if the caller's transaction commits", async () => {
    await expect(
      ctx.db.transaction(async (tx) => {
        await enqueueJob(tx, noop, { n: 1 });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await jobRows("test.noop")).toHaveLength(0);
    await ctx.db.transaction((tx) => enqueueJob(tx, noop, { n: 2 }));
    const found = await jobRows("test.noop");
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ state: "pending", attempts: 0, max_attempts: 6 });
    await ctx.db.execute(sql`delete from jobs where name = 'test.noop'`);
  });

  it("refuses unknown job names and payloads that fail the schema, writing nothing", async () => {
    await expect(ctx.db.transaction((tx) => enqueueJob(tx, "test.nope", {}))).rejects.toThrow(/unknown job/);
    await expect(ctx.db.transaction((tx) => enqueueJob(tx, "test.noop", { n: "x" }))).rejects.toThrow(
      /invalid payload for job test.noop/,
    );
    expect(await jobRows("test.noop")).toHaveLength(0);
  });

  it("keeps one pending job per singleton key, and allows the next once it is done", async () => {
    const a = await ctx.db.transaction((tx) => enqueueJob(tx, noop, { n: 1 }, { singletonKey: "k" }));
    const b = await ctx.db.transaction((tx) => enqueueJob(tx, noop, { n: 2 }, { singletonKey: "k" }));
    expect(a.created).toBe(true);
    expect(b).toEqual({ id: a.id, created: false });
    const batch = await ctx.db.transaction((tx) =>
      enqueueJobs(tx, noop, [
        { payload: { n: 3 }, singletonKey: "k" },
        { payload: { n: 4 }, singletonKey: "other" },
      ]),
    );
    expect(batch).toHaveLength(1);
    await ctx.db.execute(sql`update jobs set state = 'completed', finished_at = now() where id = ${a.id}`);
    const c = await ctx.db.transaction((tx) => enqueueJob(tx, noop, { n: 5 }, { singletonKey: "k" }));
    expect(c.created).toBe(true);
    await ctx.db.execute(sql`delete from jobs where name = 'test.noop'`);
  });

  it("honours runAt", async () => {
    const later = new Date(Date.now() + 3_600_000);
    const { id } = await ctx.db.transaction((tx) => enqueueJob(tx, noop, { n: 1 }, { runAt: later }));
    const [row] = await rows<{ run_at: unknown }>(ctx.db, sql`select run_at from jobs where id = ${id}`);
    expect(asDate(row?.run_at).getTime()).toBe(later.getTime());
    let ran = 0;
    const stop = await startJobWorker(ctx, {
      jobs: [{ ...noop, handler: async () => void ran++ }],
      concurrency: 1,
      ...fast,
    });
    await new Promise((r) => setTimeout(r, 200));
    await stop();
    expect(ran).toBe(0);
    await ctx.db.execute(sql`delete from jobs where name = 'test.noop'`);
  });
});

describe("startJobWorker", () => {
  it("retries a failing job with its backoff, then completes it", async () => {
    const seen: TJobRun[] = [];
    const flaky = defineJob({
      name: "test.flaky",
      schema: z.object({ v: z.string() }),
      retry: { limit: 3, backoff: { type: "schedule", delaysMs: [300, 600], jitter: 0 } },
      handler: async (_payload, run) => {
        seen.push(run);
        if (run.attempt < 3) throw new Error(`attempt ${run.attempt} failed`);
      },
    });
    await ctx.db.transaction((tx) => enqueueJob(tx, flaky, { v: "x" }));
    const times: number[] = [];
    const stop = await startJobWorker(ctx, {
      jobs: [
        {
          ...flaky,
          handler: async (p: { v: string }, run: TJobRun) => {
            times.push(Date.now());
            await flaky.handler(p, run);
          },
        },
      ],
      concurrency: 2,
      ...fast,
    });
    await until(async () => (await jobRows("test.flaky"))[0]?.state === "completed");
    await stop();
    const [row] = await jobRows("test.flaky");
    expect(row).toMatchObject({ state: "completed", attempts: 3, last_error: null });
    expect(seen.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(seen.map((r) => r.maxAttempts)).toEqual([4, 4, 4]);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(280);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(580);
    // The first retry's time is 300 ms after the attempt began, which is a little before its handler ran
    // (by as much as a loaded machine delays it).
    const retryIn = seen[0]!.retryAt!.getTime() - times[0]!;
    expect(retryIn).toBeGreaterThanOrEqual(150);
    expect(retryIn).toBeLessThanOrEqual(310);
  });

  it("stores the next run time after a failure", async () => {
    const slow = defineJob({
      name: "test.slowretry",
      schema: z.object({}),
      retry: { limit: 1, backoff: { type: "schedule", delaysMs: [60_000], jitter: 0 } },
      handler: async () => {
        throw new Error("down");
      },
    });
    await ctx.db.transaction((tx) => enqueueJob(tx, slow, {}));
    const stop = await startJobWorker(ctx, { jobs: [slow], concurrency: 1, ...fast });
    await until(
      async () =>
        (await jobRows("test.slowretry"))[0]?.attempts === 1 &&
        (await jobRows("test.slowretry"))[0]?.state === "pending",
    );
    await stop();
    const [row] = await jobRows("test.slowretry");
    expect(row?.last_error).toBe("Error: down");
    const delay = asDate(row?.run_at).getTime() - asDate(row?.updated_at).getTime();
    expect(delay).toBeGreaterThanOrEqual(59_000);
    expect(delay).toBeLessThanOrEqual(61_000);
  });

  it("marks a job dead after its retry limit, telling the last attempt there is no retry", async () => {
    const runs: TJobRun[] = [];
    const doomed = defineJob({
      name: "test.doomed",
      schema: z.object({}),
      retry: { limit: 2, backoff: { type: "exponential", baseMs: 10, jitter: 0 } },
      handler: async (_p, run) => {
        runs.push(run);
        throw new Error("always");
      },
    });
    await ctx.db.transaction((tx) => enqueueJob(tx, doomed, {}));
    const stop = await startJobWorker(ctx, { jobs: [doomed], concurrency: 1, ...fast });
    await until(async () => (await jobRows("test.doomed"))[0]?.state === "dead");
    await new Promise((r) => setTimeout(r, 100));
    await stop();
    const [row] = await jobRows("test.doomed");
    expect(row).toMatchObject({ state: "dead", attempts: 3, last_error: "Error: always" });
    expect(runs).toHaveLength(3);
    expect(runs.map((r) => r.retryAt === null)).toEqual([false, false, true]);
  });

  it("aborts an attempt that exceeds its timeout and counts it as failed", async () => {
    let aborted = false;
    const hang = defineJob({
      name: "test.hang",
      schema: z.object({}),
      timeoutMs: 100,
      retry: { limit: 0, backoff: { type: "schedule", delaysMs: [] } },
      handler: (_p, run) =>
        new Promise<void>((resolve) => {
          run.signal.addEventListener("abort", () => {
            aborted = true;
            resolve();
          });
        }),
    });
    await ctx.db.transaction((tx) => enqueueJob(tx, hang, {}));
    const stop = await startJobWorker(ctx, { jobs: [hang], concurrency: 1, ...fast });
    await until(async () => (await jobRows("test.hang"))[0]?.state === "dead");
    await stop();
    expect(aborted).toBe(true);
    expect((await jobRows("test.hang"))[0]?.last_error).toMatch(/timed out after 100 ms/);
  });

  it("never runs a job twice with two concurrent workers", async () => {
    const counts = new Map<number, number>();
    const work = defineJob({
      name: "test.work",
      schema: z.object({ i: z.number().int() }),
      handler: async ({ i }) => {
        counts.set(i, (counts.get(i) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, Math.random() * 5));
      },
    });
    const n = 300;
    await ctx.db.transaction((tx) =>
      enqueueJobs(
        tx,
        work,
        Array.from({ length: n }, (_, i) => ({ payload: { i } })),
      ),
    );
    const stops = await Promise.all([
      startJobWorker(ctx, { jobs: [work], concurrency: 4, ...fast }),
      startJobWorker(ctx, { jobs: [work], concurrency: 4, ...fast }),
    ]);
    await until(async () => {
      const r = await rows<{ n: number }>(
        ctx.db,
        sql`select count(*)::int as n from jobs where name = 'test.work' and state = 'completed'`,
      );
      return r[0]?.n === n;
    }, 60_000);
    await Promise.all(stops.map((s) => s()));
    expect(counts.size).toBe(n);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
  });

  it("recovers a job whose worker died mid-attempt, and buries it if that was its last attempt", async () => {
    let ran = 0;
    const crashy = defineJob({
      name: "test.crashy",
      schema: z.object({}),
      retry: { limit: 1, backoff: { type: "schedule", delaysMs: [0] } },
      handler: async () => {
        ran++;
      },
    });
    const first = await ctx.db.transaction((tx) => enqueueJob(tx, crashy, {}));
    const second = await ctx.db.transaction((tx) => enqueueJob(tx, crashy, {}));
    // As a worker that crashed would leave them: running, lease expired.
    await ctx.db.execute(sql`update jobs set state = 'running', attempts = 1, locked_by = 'dead-worker',
      locked_until = now() - interval '1 second' where id = ${first.id}`);
    await ctx.db.execute(sql`update jobs set state = 'running', attempts = 2, locked_by = 'dead-worker',
      locked_until = now() - interval '1 second' where id = ${second.id}`);
    const stop = await startJobWorker(ctx, { jobs: [crashy], concurrency: 1, ...fast });
    await until(async () => {
      const r = await jobRows("test.crashy");
      return r.every((j) => j.state === "completed" || j.state === "dead");
    });
    await stop();
    const byId = new Map((await jobRows("test.crashy")).map((j) => [j.id, j]));
    expect(byId.get(first.id)).toMatchObject({ state: "completed", attempts: 2 });
    expect(byId.get(second.id)).toMatchObject({ state: "dead", attempts: 2 });
    expect(byId.get(second.id)?.last_error).toMatch(/lease expired/);
    expect(ran).toBe(1);
  });

  it("releases a running attempt when stopped, without counting it", async () => {
    let started = false;
    const long = defineJob({
      name: "test.long",
      schema: z.object({}),
      handler: (_p, run) =>
        new Promise<void>((_, reject) => {
          started = true;
          run.signal.addEventListener("abort", () => reject(new Error("aborted")));
        }),
    });
    await ctx.db.transaction((tx) => enqueueJob(tx, long, {}));
    const stop = await startJobWorker(ctx, { jobs: [long], concurrency: 1, ...fast, stopGraceMs: 50 });
    await until(async () => started);
    await stop();
    const [row] = await jobRows("test.long");
    expect(row).toMatchObject({ state: "pending", attempts: 0 });
  });

  it("marks a stored payload that no longer matches the schema dead without running it", async () => {
    let ran = false;
    const strict = defineJob({
      name: "test.strict",
      schema: z.object({ id: z.string() }),
      handler: async () => {
        ran = true;
      },
    });
    await ctx.db.execute(
      sql`insert into jobs (id, name, payload, max_attempts) values ('job_bad', 'test.strict', '{"id":1}', 3)`,
    );
    const stop = await startJobWorker(ctx, { jobs: [strict], concurrency: 1, ...fast });
    await until(async () => (await jobRows("test.strict"))[0]?.state === "dead");
    await stop();
    expect(ran).toBe(false);
  });

  it("purges finished jobs after their retention", async () => {
    const purge = defineJob({ name: "test.purge", schema: z.object({}), handler: async () => {} });
    await ctx.db.transaction((tx) => enqueueJobs(tx, purge, [{ payload: {} }, { payload: {} }]));
    await ctx.db.execute(
      sql`update jobs set state = 'completed', finished_at = now() - interval '2 days' where name = 'test.purge'`,
    );
    const stop = await startJobWorker(ctx, { jobs: [purge], concurrency: 1, ...fast });
    await until(async () => (await jobRows("test.purge")).length === 0);
    await stop();
  });
});

describe("recurring jobs", () => {
  it("runs once per period across several workers", async () => {
    const runs: number[] = [];
    const sweep = defineJob({
      name: "test.sweep",
      schema: z.object({ scope: z.string() }),
      handler: async () => {
        runs.push(Date.now());
      },
    });
    const recurring = [{ job: sweep, everyMs: 1000, payload: { scope: "all" } }];
    const started = Date.now();
    const stops = await Promise.all([
      startJobWorker(ctx, { jobs: [], recurring, concurrency: 2, ...fast }),
      startJobWorker(ctx, { jobs: [], recurring, concurrency: 2, ...fast }),
    ]);
    await new Promise((r) => setTimeout(r, 2500));
    await Promise.all(stops.map((s) => s()));
    const elapsed = Date.now() - started;
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 1);
    for (let i = 1; i < runs.length; i++) expect(runs[i]! - runs[i - 1]!).toBeGreaterThanOrEqual(700);
    const [schedule] = await rows<{ every_ms: number }>(
      ctx.db,
      sql`select every_ms from job_schedules where name = 'test.sweep'`,
    );
    expect(Number(schedule?.every_ms)).toBe(1000);
  });
});

describe("retryDelay", () => {
  it("follows a schedule, repeating its last delay", () => {
    const b = { type: "schedule", delaysMs: [30_000, 120_000], jitter: 0 } as const;
    expect([1, 2, 3, 9].map((n) => retryDelay(b, n))).toEqual([30_000, 120_000, 120_000, 120_000]);
  });

  it("grows exponentially up to its cap, with bounded jitter", () => {
    const b = { type: "exponential", baseMs: 1000, maxMs: 5000, jitter: 0 } as const;
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(b, n))).toEqual([1000, 2000, 4000, 5000, 5000]);
    const j = { type: "exponential", baseMs: 1000, jitter: 0.2 } as const;
    expect(retryDelay(j, 1, () => 0)).toBe(800);
    expect(retryDelay(j, 1, () => 0.999_999)).toBe(1200);
  });
});
