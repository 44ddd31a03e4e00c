/**
 * `POST /v1/consent/check` over HTTP against a bare Fastify handler returning a constant JSON body, same
 * load generator (autocannon in a child process of this one), same settings, same run. Targets: at least
 * 60% of the bare handler's requests per second, and p99 under 20 ms at 64 connections.
 *
 *   npx tsx bench/consent-check.bench.ts [seconds] [contacts]                               # PGlite (temp dir)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/consent-check.bench.ts [seconds] [contacts]
 *
 * Our app is the real one (buildApp with allRoutes: helmet, auth hook, metrics, request ids), with an API
 * key, on a fresh database seeded with contacts that gave marketing consent; each request asks about a
 * contact drawn at random (by id, or for one contact in five by phone number). Bare, check and the app's
 * floor (an authenticated route of our app answering a constant) are measured in turn, three times each
 * (BENCH_RUNS), each run after a 2-second warm-up, and the ratios are taken between medians. Every contact
 * is asked about once before the runs, so the check is measured on warm state, as the target says.
 */
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import Fastify from "fastify";
import pg from "pg";
import { loadConfig } from "../apps/server/src/config/env.js";
import { createContext } from "../apps/server/src/core/create-context.js";
import { withWorkspaceTx } from "../apps/server/src/core/db/tx.js";
import { createLogger } from "../apps/server/src/core/logger.js";
import { buildApp, type TRouteModule } from "../apps/server/src/http/app.js";
import { authorize } from "../apps/server/src/http/auth.js";
import { allRoutes } from "../apps/server/src/http/routes.js";
import { DecisionFactsCache, recordConsent } from "../apps/server/src/modules/consent/index.js";
import { resolveContactByAddress } from "../apps/server/src/modules/contacts/index.js";
import { bootstrapWorkspace } from "../apps/server/src/modules/workspaces/index.js";
import { initModules } from "../apps/server/src/wiring.js";

const CONNECTIONS = 64;
const PIPELINING = 1;
/** Runs of each target, alternated; the figures are their medians (three: one disturbed run cannot move them). */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

interface TLoadJob {
  url: string;
  path: string;
  seconds: number;
  headers: Record<string, string>;
  bodies: string[];
}

interface TLoadResult {
  requestsPerSec: number;
  /** CPU time of this process (the servers) per request, in microseconds (the load generator is a child). */
  serverCpuUsPerRequest?: number;
  /** Of which in the kernel (socket reads and writes). */
  serverSystemCpuUsPerRequest?: number;
  /** The same by thread of the server process (Linux): main thread, V8 workers (GC, compiler), libuv pool. */
  serverCpuUsPerRequestByThread?: Record<string, number>;
  /** The servers' event-loop delay during the run (perf_hooks, 1 ms resolution). */
  eventLoopDelayMs?: { p99: number; max: number };
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** Child mode: run one autocannon round and report it to the parent. */
async function runLoad(job: TLoadJob): Promise<TLoadResult> {
  const result = await autocannon({
    url: job.url,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    duration: job.seconds,
    // Each request asks about a contact drawn at random (uniformly): every connection would otherwise walk
    // the same list in step, hitting one contact 64 times at once and then not for many seconds.
    requests: [
      {
        method: "POST" as const,
        path: job.path,
        headers: job.headers,
        setupRequest: (req) => ({
          ...req,
          body: job.bodies[Math.floor(Math.random() * job.bodies.length)] ?? "",
        }),
      },
    ],
  });
  return {
    requestsPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** CPU ticks (1/100 s) of each thread of this process, by thread name: the main thread, V8's workers, libuv's. */
function threadTicks(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(f[11]) + Number(f[12]);
      const key = tid === String(process.pid) ? "main" : name;
      out.set(key, (out.get(key) ?? 0) + ticks);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

async function load(job: TLoadJob): Promise<TLoadResult> {
  const cpu = process.cpuUsage();
  const threads = existsSync("/proc/self/task") ? threadTicks() : undefined;
  // How long the servers' event loop was held up (GC pauses, long tasks): the part of the requests'
  // latency the server itself adds beyond its CPU per request; the rest is queueing.
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const r = await loadIn(job);
  delay.disable();
  const used = process.cpuUsage(cpu);
  const requests = Math.max(1, r.requestsPerSec * job.seconds);
  const perThread: Record<string, number> = {};
  if (threads)
    for (const [k, v] of threadTicks()) {
      const us = ((v - (threads.get(k) ?? 0)) * 10_000) / requests;
      if (us >= 1) perThread[k] = Math.round(us);
    }
  return {
    ...r,
    serverCpuUsPerRequest: Math.round((used.user + used.system) / requests),
    serverSystemCpuUsPerRequest: Math.round(used.system / requests),
    serverCpuUsPerRequestByThread: perThread,
    eventLoopDelayMs: {
      p99: Number((delay.percentile(99) / 1e6).toFixed(1)),
      max: Number((delay.max / 1e6).toFixed(1)),
    },
  };
}

function loadIn(job: TLoadJob): Promise<TLoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ["--load"], {
      execArgv: process.execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", (m) => resolve(m as TLoadResult));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
    child.send(job);
  });
}

async function database(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const admin = process.env.DATABASE_URL;
  if (!admin) {
    const dir = mkdtempSync(path.join(tmpdir(), "assent-check-bench-"));
    return { env: { ASSENT_DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `assent_bench_${randomBytes(5).toString("hex")}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      const a = new pg.Client({ connectionString: admin });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** BENCH_PROFILE=file.cpuprofile: a CPU profile of this process (the servers) during the check runs. */
let profileSession: Session | null = null;
async function profiled<T>(fn: () => Promise<T>, tag: string): Promise<T> {
  const file = process.env.BENCH_PROFILE;
  if (!file) return fn();
  if (!profileSession) {
    profileSession = new Session();
    profileSession.connect();
    await profileSession.post("Profiler.enable");
  }
  await profileSession.post("Profiler.start");
  try {
    return await fn();
  } finally {
    const { profile } = await profileSession.post("Profiler.stop");
    writeFileSync(file.replace(/(\.cpuprofile)?$/, `-${tag}.cpuprofile`), JSON.stringify(profile));
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const contacts = Number(process.argv[3] ?? 2000);
  const db = await database();
  const config = loadConfig({
    NODE_ENV: "production",
    LOG_LEVEL: "silent",
    ASSENT_MASTER_KEY: randomBytes(32).toString("base64"),
    ...db.env,
  });
  const ctx = await createContext(config, createLogger("silent"));
  initModules(ctx);
  // The app's floor: an authenticated route of our app answering a constant, to tell the cost of the
  // app's own hooks (helmet, auth, request ids, metrics) from the check's.
  const floor: TRouteModule = (a) => {
    a.post("/bench/constant", async (request) => {
      authorize(request, "consent:read");
      return constant;
    });
  };
  const constant = {
    allowed: true,
    reason: "consent_granted",
    basis: "consent",
    ledgerEntryIds: ["cns_0000000000000000000000000"],
    notBefore: null,
    contactId: "ctc_0000000000000000000000000",
    signals: { optOutPropensity: 0 },
  };
  const app = await buildApp(ctx, { routes: [...allRoutes, floor] });
  const bare = Fastify();
  bare.post("/v1/consent/check", async () => constant);
  try {
    const ws = await bootstrapWorkspace(ctx, { workspaceName: "Bench" });
    const keys = await ctx.keys.forWorkspace(ctx.db, ws.workspaceId);
    const seeded: { contactId: string; address: string }[] = [];
    const actor = { type: "system", id: null } as const;
    for (let i = 0; i < contacts; i += 100) {
      const chunk = await withWorkspaceTx(ctx.db, ws.workspaceId, async (tx) => {
        const out: { contactId: string; address: string }[] = [];
        for (let k = i; k < Math.min(i + 100, contacts); k++) {
          const address = `+3361${String(k).padStart(7, "0")}`;
          const c = await resolveContactByAddress(tx, keys, {
            workspaceId: ws.workspaceId,
            channel: "sms",
            address,
            create: true,
          });
          if (!c) throw new Error("no contact");
          await recordConsent(tx, keys, {
            workspaceId: ws.workspaceId,
            contactId: c.contactId,
            brandId: ws.brandId,
            category: "marketing",
            channels: ["sms"],
            evidence: { method: "web_form", source: "bench", wording: "Yes, text me offers." },
            actor,
          });
          out.push({ contactId: c.contactId, address });
        }
        return out;
      });
      seeded.push(...chunk);
    }
    const bodies = seeded.map((c, i) =>
      JSON.stringify(
        i % 5 === 4
          ? { to: c.address, brandId: ws.brandId, channel: "sms" }
          : { contactId: c.contactId, brandId: ws.brandId, channel: "sms" },
      ),
    );
    const ours = await app.listen({ host: "127.0.0.1", port: 0 });
    const baseline = await bare.listen({ host: "127.0.0.1", port: 0 });
    const headers = { "content-type": "application/json", authorization: `Bearer ${ws.apiKey}` };
    // Every answer must be a real decision, allowed: a wrong setup must not pass for a fast one.
    const probe = await fetch(`${ours}/v1/consent/check`, { method: "POST", headers, body: bodies[4] });
    const probed = (await probe.json()) as { allowed?: boolean; reason?: string };
    if (!probed.allowed) throw new Error(`bench probe refused: ${JSON.stringify(probed)}`);
    // The target is about warm state: ask about every contact once (16 at a time) so that no measured run
    // pays for the first read of a contact (random draws in a short warm-up leave hundreds unasked).
    for (let i = 0; i < bodies.length; i += 16) {
      await Promise.all(
        bodies.slice(i, i + 16).map(async (body) => {
          const r = await fetch(`${ours}/v1/consent/check`, { method: "POST", headers, body });
          const answer = (await r.json()) as { allowed?: boolean };
          if (!answer.allowed) throw new Error(`bench contact refused: ${JSON.stringify(answer)}`);
        }),
      );
    }

    const loadBefore = loadavg().map((x) => Number(x.toFixed(2)));
    const check = "/v1/consent/check";
    const job = (url: string, s: number, p = check): TLoadJob => ({
      url,
      path: p,
      seconds: s,
      headers,
      bodies,
    });
    const runs: { bare: TLoadResult[]; check: TLoadResult[]; floor: TLoadResult[] } = {
      bare: [],
      check: [],
      floor: [],
    };
    // Each measured run follows a short unmeasured warm-up of the same target (JIT, and for the check,
    // its decision-facts cache: the other runs in between leave it cold).
    // Reads the check cache had to make during measured check runs (a warm cache makes none).
    const reads = { facts: 0, addresses: 0 };
    let counting = false;
    const proto = DecisionFactsCache.prototype;
    const facts = proto.facts;
    const contactByAddress = proto.contactByAddress;
    proto.facts = function (...a: Parameters<typeof facts>) {
      if (counting && !this.peek(...a)) reads.facts++;
      return facts.apply(this, a);
    };
    proto.contactByAddress = function (...a: Parameters<typeof contactByAddress>) {
      if (counting && this.peekContactByAddress(...a) === undefined) reads.addresses++;
      return contactByAddress.apply(this, a);
    };
    const measure = async (url: string, tag: string, path = check) => {
      await load(job(url, 2, path));
      counting = true;
      try {
        return await profiled(() => load(job(url, seconds, path)), tag);
      } finally {
        counting = false;
      }
    };
    for (let r = 0; r < RUNS; r++) {
      runs.bare.push(await measure(baseline, "bare"));
      runs.check.push(await measure(ours, "check"));
      runs.floor.push(await measure(ours, "floor", "/bench/constant"));
    }
    const floorRps = median(runs.floor.map((x) => x.requestsPerSec));
    const bareRps = median(runs.bare.map((x) => x.requestsPerSec));
    const checkRps = median(runs.check.map((x) => x.requestsPerSec));
    const checkP99 = Math.max(...runs.check.map((x) => x.p99));
    process.stdout.write(
      `${JSON.stringify(
        {
          engine: ctx.database.kind,
          contacts,
          connections: CONNECTIONS,
          secondsPerRun: seconds,
          loadAverageBefore: loadBefore,
          loadAverageAfter: loadavg().map((x) => Number(x.toFixed(2))),
          bareFastify: {
            requestsPerSec: Math.round(bareRps),
            runs: runs.bare.map((x) => ({ ...x, requestsPerSec: Math.round(x.requestsPerSec) })),
          },
          consentCheck: {
            requestsPerSec: Math.round(checkRps),
            p50Ms: median(runs.check.map((x) => x.p50)),
            p99MsWorstRun: checkP99,
            cacheReadsDuringMeasuredRuns: reads,
            runs: runs.check.map((x) => ({ ...x, requestsPerSec: Math.round(x.requestsPerSec) })),
          },
          appFloor: {
            requestsPerSec: Math.round(floorRps),
            runs: runs.floor.map((x) => ({ ...x, requestsPerSec: Math.round(x.requestsPerSec) })),
          },
          ratioToBare: Number((checkRps / bareRps).toFixed(3)),
          ratioFloorToBare: Number((floorRps / bareRps).toFixed(3)),
          ratioToFloor: Number((checkRps / floorRps).toFixed(3)),
          serverCpuRatioBareToCheck: Number(
            (
              median(runs.bare.map((x) => x.serverCpuUsPerRequest ?? 0)) /
              median(runs.check.map((x) => x.serverCpuUsPerRequest ?? 1))
            ).toFixed(3),
          ),
          meetsTargets: checkRps / bareRps >= 0.6 && checkP99 < 20,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await app.close();
    await bare.close();
    await ctx.database.close();
    await db.drop();
  }
}

if (process.argv.includes("--load")) {
  process.once("message", (job) => {
    runLoad(job as TLoadJob).then(
      (r) => process.send?.(r, () => process.exit(0)),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      },
    );
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
