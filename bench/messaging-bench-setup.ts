/**
 * Shared setup of the messaging benchmarks: a fresh database (a new Postgres database when DATABASE_URL
 * is set, else PGlite in a temp directory), a workspace, a sender and contacts with marketing consent.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { NodePgTransaction } from "drizzle-orm/node-postgres";
import pg from "pg";
import { loadConfig } from "../apps/server/src/config/env.js";
import type { TAppContext } from "../apps/server/src/core/context.js";
import { createContext } from "../apps/server/src/core/create-context.js";
import { openDatabase } from "../apps/server/src/core/db/client.js";
import { withWorkspaceTx } from "../apps/server/src/core/db/tx.js";
import { createLogger } from "../apps/server/src/core/logger.js";
import { recordConsent } from "../apps/server/src/modules/consent/index.js";
import { resolveContactByAddress } from "../apps/server/src/modules/contacts/index.js";
import { createChannelAccount } from "../apps/server/src/modules/messaging/index.js";
import { bootstrapWorkspace, type TBootstrapResult } from "../apps/server/src/modules/workspaces/index.js";

export interface TBenchDatabase {
  kind: "pglite" | "postgres";
  url: string | undefined;
  dataDir: string | undefined;
  masterKey: string;
  drop(): Promise<void>;
}

/** A fresh database for one benchmark run. */
export async function createBenchDatabase(): Promise<TBenchDatabase> {
  const masterKey = randomBytes(32).toString("base64");
  const admin = process.env.DATABASE_URL;
  if (!admin) {
    const dataDir = mkdtempSync(path.join(tmpdir(), "assent-bench-"));
    return {
      kind: "pglite",
      url: undefined,
      dataDir,
      masterKey,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `assent_bench_${randomBytes(5).toString("hex")}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database ${name}`);
  if (process.env.BENCH_EXPLAIN) {
    // Slow statements' plans go to the server log (diagnosis only).
    await c.query(`alter database ${name} set session_preload_libraries = 'auto_explain'`);
    await c.query(
      `alter database ${name} set auto_explain.log_min_duration = ${Number(process.env.BENCH_EXPLAIN)}`,
    );
    await c.query(`alter database ${name} set auto_explain.log_analyze = on`);
  }
  await c.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    kind: "postgres",
    url: url.toString(),
    dataDir: undefined,
    masterKey,
    drop: async () => {
      const a = new pg.Client({ connectionString: admin });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** The app context on that database (migrated). */
export async function benchContext(db: TBenchDatabase, o: { poolSize?: number } = {}): Promise<TAppContext> {
  const config = loadConfig({
    NODE_ENV: "production",
    LOG_LEVEL: "silent",
    ASSENT_MASTER_KEY: db.masterKey,
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ...(db.dataDir ? { ASSENT_DATA_DIR: db.dataDir } : {}),
    DATABASE_POOL_SIZE: String(o.poolSize ?? 10),
  });
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.poolSize,
  });
  return createContext(config, createLogger("silent"), { database });
}

export interface TBenchWorkspace {
  ws: TBootstrapResult;
  senderId: string;
  contacts: { contactId: string; address: string }[];
}

/** A workspace, one fake sender (no rate limit to speak of) and contacts that gave marketing consent. */
export async function benchWorkspace(
  ctx: TAppContext,
  o: { contacts: number; channel?: "sandbox" },
): Promise<TBenchWorkspace> {
  const ws = await bootstrapWorkspace(ctx, { workspaceName: "Bench" });
  const keys = await ctx.keys.forWorkspace(ctx.db, ws.workspaceId);
  const actor = { type: "system", id: null } as const;
  return withWorkspaceTx(ctx.db, ws.workspaceId, async (tx) => {
    const sender = await createChannelAccount(tx, keys, {
      workspaceId: ws.workspaceId,
      actor,
      input: {
        brandId: ws.brandId,
        channel: "sandbox",
        providerId: "fake",
        name: "Bench",
        credentials: {},
        rateLimit: { perSecond: 100_000 },
      },
    });
    const contacts: { contactId: string; address: string }[] = [];
    for (let n = 0; n < o.contacts; n++) {
      const address = `+4420${String(7_000_000 + n).padStart(8, "0")}`;
      const c = await resolveContactByAddress(tx, keys, {
        workspaceId: ws.workspaceId,
        channel: "sandbox",
        address,
        create: true,
      });
      if (!c) throw new Error("contact");
      await recordConsent(tx, keys, {
        workspaceId: ws.workspaceId,
        contactId: c.contactId,
        brandId: ws.brandId,
        category: "marketing",
        channels: ["sandbox"],
        evidence: { method: "web_form", source: "bench", wording: "Yes, send me offers." },
        actor,
      });
      contacts.push({ contactId: c.contactId, address: c.address });
    }
    return { ws, senderId: sender.account.id, contacts };
  });
}

export function fmt(n: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: 0 });
}

/** BENCH_PROFILE=1: time every statement run inside transactions; `report()` prints the slowest. */
/** A statement's text with parameters as `?`, whitespace folded, cut to 90 characters. */
function statementKey(q: unknown): string {
  const chunks = (q as { queryChunks?: { value?: string[] }[] }).queryChunks;
  const text =
    typeof q === "string"
      ? q
      : (chunks
          ?.map((c) => (c?.constructor?.name === "StringChunk" && c.value ? c.value.join("") : "?"))
          .join("") ?? "?");
  return text.replace(/\s+/g, " ").slice(0, 90);
}

export function profileStatements(ctx: TAppContext): { report(): string; reset(): void } {
  const timings = new Map<string, { n: number; ms: number }>();
  if (process.env.BENCH_PROFILE !== "1") return { report: () => "", reset: () => undefined };
  const db = ctx.db as unknown as {
    transaction: (fn: (tx: unknown) => Promise<unknown>) => Promise<unknown>;
  };
  const original = db.transaction.bind(db);
  db.transaction = async (fn) => {
    const started = performance.now();
    let inside = 0;
    try {
      return await original(async (tx) => {
        const r = await run(tx);
        inside = performance.now() - started;
        return r;
      });
    } finally {
      const e = timings.get("(commit and transaction overhead)") ?? { n: 0, ms: 0 };
      e.n += 1;
      e.ms += performance.now() - started - inside;
      timings.set("(commit and transaction overhead)", e);
    }
    async function run(tx: unknown): Promise<unknown> {
      // On Postgres every transaction's statements are timed on the class (below).
      if (ctx.database.kind === "postgres") return fn(tx);
      const t = tx as { execute: (q: unknown) => Promise<unknown> };
      const execute = t.execute.bind(t);
      t.execute = async (q: unknown) => {
        const start = performance.now();
        try {
          return await execute(q);
        } finally {
          const key = statementKey(q);
          const e = timings.get(key) ?? { n: 0, ms: 0 };
          e.n += 1;
          e.ms += performance.now() - start;
          timings.set(key, e);
        }
      };
      return fn(tx);
    }
  };
  // On Postgres, withWorkspaceTx / withSystemTx build their own drizzle transactions (BEGIN and settings in
  // one round trip, core/db/tx.ts) without db.transaction: their statements are timed on the class.
  if (ctx.database.kind === "postgres") {
    const proto = NodePgTransaction.prototype as unknown as { execute: (q: unknown) => Promise<unknown> };
    const execute = proto.execute;
    proto.execute = async function (this: unknown, q: unknown) {
      const start = performance.now();
      try {
        return await execute.call(this, q);
      } finally {
        const e = timings.get(statementKey(q)) ?? { n: 0, ms: 0 };
        e.n += 1;
        e.ms += performance.now() - start;
        timings.set(statementKey(q), e);
      }
    };
  }
  return {
    report: () =>
      [...timings.entries()]
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, 20)
        .map(
          ([k, v]) =>
            `${v.ms.toFixed(0).padStart(8)}ms ${String(v.n).padStart(6)}x ${(v.ms / v.n).toFixed(2).padStart(8)}ms/x  ${k}`,
        )
        .join("\n"),
    reset: () => timings.clear(),
  };
}

/**
 * CPU time (ms) used so far by the Postgres backends connected to the bench database, by pid (Linux
 * /proc; empty on PGlite or elsewhere). With the process's own CPU time it gives a cost per message
 * that a busy machine distorts far less than wall-clock throughput.
 */
export async function backendCpu(db: TBenchDatabase): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!db.url || process.platform !== "linux") return out;
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const name = new URL(db.url).pathname.slice(1);
    const r = await c.query<{ pid: number }>(
      "select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
      [name],
    );
    for (const { pid } of r.rows) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second).
        out.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
      } catch {
        // The backend ended meanwhile.
      }
    }
  } finally {
    await c.end();
  }
  return out;
}

/** CPU ms the backends used between two `backendCpu` snapshots (backends started meanwhile count in full). */
export function backendCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return ms;
}
