/**
 * Dispatch throughput: queued messages → claim (FOR UPDATE SKIP LOCKED) → consent decision again with
 * FOR SHARE on each contact's consent head → mark sending → a no-op adapter → record sent.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/dispatch.bench.ts [messages]
 *   npx tsx bench/dispatch.bench.ts [messages]            # PGlite in a temp directory
 *
 * BENCH_PROFILE=1 prints time per SQL statement; BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the
 * dispatch phase; BENCH_ACCEPT_ONLY=1 BENCH_KEEP=1 leaves a database of queued messages.
 *
 * Baseline measured in the same run: plain batched inserts (INSERT … SELECT FROM unnest, 1,000 rows a
 * statement) into a scratch table, the cheapest durable write the database offers.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadavg } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { withSystemTx } from "../apps/server/src/core/db/tx.js";
import { createFakeAdapter } from "../apps/server/src/modules/channels/index.js";
import { getSendBatcher, startDispatcher } from "../apps/server/src/modules/messaging/index.js";
import { prepareSendWork } from "../apps/server/src/modules/messaging/prepare-send-work.js";
import {
  backendCpu,
  backendCpuDelta,
  benchContext,
  benchWorkspace,
  createBenchDatabase,
  fmt,
  profileStatements,
} from "./messaging-bench-setup.js";

const MESSAGES = Number(process.argv[2] ?? 100_000);
const CONTACTS = 2_000;

function cpuPerMessage(
  start: { node: NodeJS.CpuUsage; db: Map<number, number> },
  node: NodeJS.CpuUsage,
  db: Map<number, number>,
): { node: number; db: number } {
  return {
    node: Math.round((node.user + node.system) / MESSAGES),
    db: Math.round((backendCpuDelta(start.db, db) * 1000) / MESSAGES),
  };
}

async function main(): Promise<void> {
  const db = await createBenchDatabase();
  const ctx = await benchContext(db, { poolSize: 10 });
  try {
    const setup = await benchWorkspace(ctx, { contacts: CONTACTS });
    const { ws } = setup;

    // Baseline: raw batched inserts of narrow rows.
    await ctx.database.exec(
      "create table bench_rows (id text primary key, ws text not null, n integer not null, at timestamptz not null)",
    );
    const t0 = performance.now();
    const baselineRows = Math.min(MESSAGES, 100_000);
    for (let n = 0; n < baselineRows; n += 1000) {
      const ids = Array.from({ length: 1000 }, (_, k) => `row_${n + k}`);
      await ctx.db.execute(sql`insert into bench_rows (id, ws, n, at)
        select i, ${ws.workspaceId}, k, now() from unnest(${sql.param(ids)}::text[]) with ordinality as u(i, k)`);
    }
    const baselineRate = baselineRows / ((performance.now() - t0) / 1000);

    // Queue the messages through the real accept path (group commit), marketing, consent granted.
    const profile = profileStatements(ctx);
    const batcher = getSendBatcher(ctx, { maxBatch: 1000 });
    const actor = { type: "system", id: null } as const;
    const acceptCpu = { node: process.cpuUsage(), db: await backendCpu(db) };
    const t1 = performance.now();
    const chunk = 5_000;
    for (let n = 0; n < MESSAGES; n += chunk) {
      const answers = await Promise.all(
        Array.from({ length: Math.min(chunk, MESSAGES - n) }, (_, k) => {
          const c = setup.contacts[(n + k) % CONTACTS];
          return batcher.submit(
            prepareSendWork({
              workspaceId: ws.workspaceId,
              actor,
              request: {
                to: c?.address ?? "",
                channel: "sandbox",
                brandId: ws.brandId,
                channelAccountId: setup.senderId,
                body: `Offer ${n + k}`,
              },
            }),
          );
        }),
      );
      if (answers.some((a) => a.status !== "queued")) throw new Error("a bench message was not queued");
    }
    const acceptRate = MESSAGES / ((performance.now() - t1) / 1000);
    const acceptCost = cpuPerMessage(acceptCpu, process.cpuUsage(acceptCpu.node), await backendCpu(db));
    if (process.env.BENCH_PROFILE === "1") process.stderr.write(`accept profile:\n${profile.report()}\n`);
    profile.reset();

    if (process.env.BENCH_ACCEPT_ONLY === "1") return;
    // Dispatch them all: the clock stops when every result is recorded (stop() drains the recorder).
    const fake = createFakeAdapter({ idempotentSends: true });
    let handed = 0;
    let allHanded: () => void = () => undefined;
    const handedAll = new Promise<void>((resolve) => {
      allHanded = resolve;
    });
    const adapter = {
      ...fake,
      send: (m: Parameters<typeof fake.send>[0]) => {
        handed += 1;
        if (handed === MESSAGES) allHanded();
        return fake.send(m);
      },
    };
    // BENCH_CPU_PROF=<dir>: a V8 CPU profile of this process during the dispatch phase only.
    const profiler = process.env.BENCH_CPU_PROF ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post("Profiler.enable");
      await profiler.post("Profiler.start");
    }
    const dispatchCpu = { node: process.cpuUsage(), db: await backendCpu(db) };
    const t2 = performance.now();
    const stop = await startDispatcher(ctx, {
      createAdapter: () => adapter,
      batchSize: 2_000,
      pollMs: 50,
      maxInFlightPerSender: 4_000,
      recordBatch: 4_000,
    });
    await handedAll;
    await stop();
    const dispatchSeconds = (performance.now() - t2) / 1000;
    const dispatchCost = cpuPerMessage(dispatchCpu, process.cpuUsage(dispatchCpu.node), await backendCpu(db));
    if (profiler && process.env.BENCH_CPU_PROF) {
      const { profile } = await profiler.post("Profiler.stop");
      const file = path.join(process.env.BENCH_CPU_PROF, `dispatch-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      profiler.disconnect();
      process.stderr.write(`dispatch CPU profile: ${file}\n`);
    }
    const sent = await withSystemTx(ctx.db, (tx) =>
      tx.execute(sql`select count(*)::int as n from messages where status = 'sent'`),
    );
    const sentCount = Number((sent as unknown as { rows: { n: number }[] }).rows[0]?.n ?? 0);
    if (sentCount !== MESSAGES) throw new Error(`only ${sentCount} of ${MESSAGES} recorded as sent`);
    const dispatchRate = MESSAGES / dispatchSeconds;
    if (process.env.BENCH_PROFILE === "1") process.stderr.write(`dispatch profile:\n${profile.report()}\n`);

    const out = {
      engine: db.kind,
      messages: MESSAGES,
      contacts: CONTACTS,
      baselineInsertRowsPerSecond: Math.round(baselineRate),
      acceptMessagesPerSecond: Math.round(acceptRate),
      dispatchMessagesPerSecond: Math.round(dispatchRate),
      dispatchVsBaselineInsert: Number((dispatchRate / baselineRate).toFixed(3)),
      /** CPU µs per message, this process and the Postgres backends (Postgres only), less load-sensitive. */
      acceptCpuMicrosPerMessage: acceptCost,
      dispatchCpuMicrosPerMessage: dispatchCost,
      loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
      target: "≥ 20,000 messages/s on Postgres",
      met: db.kind === "postgres" ? dispatchRate >= 20_000 : undefined,
    };
    process.stdout.write(
      `dispatch (${db.kind}): ${fmt(dispatchRate)} msg/s through claim + decision + no-op adapter + record ` +
        `(${fmt(MESSAGES)} messages in ${dispatchSeconds.toFixed(1)} s); accept ${fmt(acceptRate)} msg/s; ` +
        `baseline batched insert ${fmt(baselineRate)} rows/s; ratio dispatch/baseline ${out.dispatchVsBaselineInsert}; ` +
        `CPU per message: dispatch ${dispatchCost.node} µs node + ${dispatchCost.db} µs Postgres, ` +
        `accept ${acceptCost.node} + ${acceptCost.db} µs\n`,
    );
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await ctx.database.close();
    if (process.env.BENCH_KEEP === "1") process.stderr.write(`kept database ${db.url ?? db.dataDir}\n`);
    else await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
