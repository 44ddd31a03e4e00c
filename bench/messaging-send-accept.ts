/**
 * The send path without HTTP: 64 closed-loop clients submit prepared sends (prepareSendWork, as the
 * route does) to the process's group commit, on a fresh database with consenting contacts. Prints the
 * CPU per accepted message of this process and (Postgres) of the database backends — the figure to
 * compare changes of the accept path by, since a busy machine distorts it far less than the rate. A
 * diagnostic (no same-run baseline, so not part of `npm run bench`): BENCH_CLIENTS=<n> fixes the batch
 * size (every client resubmits as soon as its batch committed), BENCH_CPU_PROF=<file> profiles the
 * measured part, BENCH_PROFILE=1 prints the time per statement, BENCH_ANALYZE=0 skips ANALYZE.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/messaging-send-accept.ts [seconds]
 *   npx tsx bench/messaging-send-accept.ts [seconds]        # PGlite in a temp directory
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadavg } from "node:os";
import { sql } from "drizzle-orm";
import { getSendBatcher } from "../apps/server/src/modules/messaging/index.js";
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

const SECONDS = Number(process.argv[2] ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 64);
const CONTACTS = 1_000;

async function main(): Promise<void> {
  const db = await createBenchDatabase();
  try {
    const ctx = await benchContext(db);
    const setup = await benchWorkspace(ctx, { contacts: CONTACTS });
    // Planner statistics, as a database in service has them (see messaging-send.bench.ts).
    if (process.env.BENCH_ANALYZE !== "0") await ctx.db.execute(sql`analyze`);
    const profile = profileStatements(ctx);
    const batcher = getSendBatcher(ctx);
    const actor = { type: "api_key", id: "key_bench" } as const;
    let n = 0;
    const send = () => {
      const i = n++;
      return batcher.submit(
        prepareSendWork({
          workspaceId: setup.ws.workspaceId,
          actor,
          requestId: `req_${i}`,
          request: {
            to: setup.contacts[i % CONTACTS]?.address,
            channel: "sandbox",
            brandId: setup.ws.brandId,
            channelAccountId: setup.senderId,
            body: `Spring sale ${i}: 20% off until Sunday. Reply STOP to opt out.`,
          },
        }),
      );
    };
    // Warm-up: every recipient once (the process caches address → contact after the first send).
    await Promise.all(Array.from({ length: CONTACTS }, send));
    profile.reset();
    // BENCH_CPU_PROF=<file>: a V8 CPU profile of the measured part only.
    const inspector = process.env.BENCH_CPU_PROF ? new Session() : undefined;
    if (inspector) {
      inspector.connect();
      await inspector.post("Profiler.enable");
      await inspector.post("Profiler.start");
    }
    const cpu0 = process.cpuUsage();
    const db0 = await backendCpu(db);
    const started = performance.now();
    const until = started + SECONDS * 1000;
    let done = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < until) {
          await send();
          done += 1;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const dbMs = backendCpuDelta(db0, await backendCpu(db));
    if (inspector && process.env.BENCH_CPU_PROF) {
      const { profile: cpuProfile } = await inspector.post("Profiler.stop");
      writeFileSync(process.env.BENCH_CPU_PROF, JSON.stringify(cpuProfile));
      inspector.disconnect();
    }
    const out = {
      engine: db.kind,
      clients: CLIENTS,
      messages: done,
      perSecond: Math.round(done / elapsed),
      nodeCpuMicrosPerMessage: Math.round((cpu.user + cpu.system) / done),
      nodeSystemCpuMicrosPerMessage: Math.round(cpu.system / done),
      postgresCpuMicrosPerMessage: db.kind === "postgres" ? Math.round((dbMs * 1000) / done) : undefined,
      loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    };
    if (process.env.BENCH_PROFILE === "1") process.stderr.write(`accept profile:\n${profile.report()}\n`);
    process.stdout.write(
      `accept (${db.kind}, ${CLIENTS} clients): ${fmt(out.perSecond)} msg/s; CPU per message ` +
        `${out.nodeCpuMicrosPerMessage} µs node${db.kind === "postgres" ? ` + ${out.postgresCpuMicrosPerMessage} µs Postgres` : ""}\n`,
    );
    process.stdout.write(`${JSON.stringify(out)}\n`);
    await ctx.database.close();
  } finally {
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
