/**
 * Consent engine throughput, each figure against a baseline measured in the same run on the same database:
 *   - decideMany (batches of 200, with and without FOR SHARE on the consent heads) vs a batched primary-key
 *     read of the same contacts (the least a batch decision could cost);
 *   - recordOptOut (head lock, ledger append, projection, audit) vs a transaction inserting one row;
 *   - resolveContactByAddress of a known number vs a transaction reading one row by primary key.
 *
 *   npx tsx bench/consent.bench.ts [contacts]                                     # PGlite in a temp dir
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/consent.bench.ts [contacts]
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import pg from "pg";
import { loadConfig } from "../apps/server/src/config/env.js";
import { createContext } from "../apps/server/src/core/create-context.js";
import { withSystemTx, withWorkspaceTx } from "../apps/server/src/core/db/tx.js";
import { createLogger } from "../apps/server/src/core/logger.js";
import {
  decideMany,
  recordConsent,
  recordOptOut,
  type TDecisionInput,
} from "../apps/server/src/modules/consent/index.js";
import { resolveContactByAddress } from "../apps/server/src/modules/contacts/index.js";
import { bootstrapWorkspace } from "../apps/server/src/modules/workspaces/index.js";

const CONTACTS = Number(process.argv[2] ?? 1000);
const BATCH = 200;
const actor = { type: "system", id: null } as const;

async function database(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const admin = process.env.DATABASE_URL;
  if (!admin) {
    const dir = mkdtempSync(path.join(tmpdir(), "assent-consent-bench-"));
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

async function rate(n: number, fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return n / ((performance.now() - t) / 1000);
}

async function main(): Promise<void> {
  const db = await database();
  const config = loadConfig({
    NODE_ENV: "production",
    LOG_LEVEL: "silent",
    ASSENT_MASTER_KEY: randomBytes(32).toString("base64"),
    ...db.env,
  });
  const ctx = await createContext(config, createLogger("silent"));
  try {
    const ws = await bootstrapWorkspace(ctx, { workspaceName: "Bench" });
    const keys = await ctx.keys.forWorkspace(ctx.db, ws.workspaceId);
    const contactIds: string[] = [];
    const addresses: string[] = [];
    for (let i = 0; i < CONTACTS; i++) {
      const address = `+3361${String(i).padStart(7, "0")}`;
      const id = await withWorkspaceTx(ctx.db, ws.workspaceId, async (tx) => {
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
        return c.contactId;
      });
      contactIds.push(id);
      addresses.push(address);
    }
    const batches: string[][] = [];
    for (let i = 0; i < contactIds.length; i += BATCH) batches.push(contactIds.slice(i, i + BATCH));
    const rounds = Math.max(1, Math.ceil(20_000 / CONTACTS));
    const decisions = CONTACTS * rounds;

    const baselineRead = await rate(decisions, async () => {
      for (let r = 0; r < rounds; r++) {
        for (const b of batches) {
          await withSystemTx(ctx.db, (tx) =>
            tx.execute(
              sql`select id, minor, erased_at from contacts where workspace_id = ${ws.workspaceId} and id = any(${sql.param(b)}::text[])`,
            ),
          );
        }
      }
    });
    const decide = (lock: "share" | "none") =>
      rate(decisions, async () => {
        const at = new Date();
        for (let r = 0; r < rounds; r++) {
          for (const b of batches) {
            const inputs: TDecisionInput[] = b.map((contactId) => ({
              workspaceId: ws.workspaceId,
              contactId,
              brandId: ws.brandId,
              campaignId: null,
              channel: "sms",
              category: "marketing",
              at,
            }));
            const out = await withSystemTx(ctx.db, (tx) => decideMany(tx, inputs, { lock }));
            if (out.some((d) => !d.allowed)) throw new Error("a bench decision was refused");
          }
        }
      });
    const decideShare = await decide("share");
    const decideNone = await decide("none");

    await ctx.database.exec(
      "create table bench_rows (id text primary key, n integer not null); grant all on bench_rows to assent_app",
    );
    const writes = Math.min(CONTACTS, 1000);
    const baselineWrite = await rate(writes, async () => {
      for (let i = 0; i < writes; i++)
        await withSystemTx(ctx.db, (tx) =>
          tx.execute(sql`insert into bench_rows (id, n) values (${`r${i}`}, ${i})`),
        );
    });
    const optOuts = await rate(writes, async () => {
      for (let i = 0; i < writes; i++) {
        await withWorkspaceTx(ctx.db, ws.workspaceId, (tx) =>
          recordOptOut(tx, {
            workspaceId: ws.workspaceId,
            brandId: ws.brandId,
            contactId: contactIds[i] ?? "",
            scope: "all",
            channel: "sms",
            evidence: { method: "keyword", matched: "stop" },
            actor,
          }),
        );
      }
    });
    const baselineLookup = await rate(writes, async () => {
      for (let i = 0; i < writes; i++)
        await withWorkspaceTx(ctx.db, ws.workspaceId, (tx) =>
          tx.execute(sql`select id from contacts where id = ${contactIds[i] ?? ""}`),
        );
    });
    const resolves = await rate(writes, async () => {
      for (let i = 0; i < writes; i++) {
        await withWorkspaceTx(ctx.db, ws.workspaceId, (tx) =>
          resolveContactByAddress(tx, keys, {
            workspaceId: ws.workspaceId,
            channel: "sms",
            address: addresses[i] ?? "",
            create: false,
          }),
        );
      }
    });

    const r = (x: number) => Math.round(x);
    const ratio = (a: number, b: number) => Number((a / b).toFixed(3));
    process.stdout.write(
      `${JSON.stringify(
        {
          engine: ctx.database.kind,
          contacts: CONTACTS,
          batch: BATCH,
          decideMany: {
            baselinePkReadRowsPerSec: r(baselineRead),
            shareLockDecisionsPerSec: r(decideShare),
            noLockDecisionsPerSec: r(decideNone),
            ratioShareToBaseline: ratio(decideShare, baselineRead),
            ratioNoLockToBaseline: ratio(decideNone, baselineRead),
          },
          recordOptOut: {
            baselineOneRowTxPerSec: r(baselineWrite),
            optOutsPerSec: r(optOuts),
            ratioToBaseline: ratio(optOuts, baselineWrite),
          },
          resolveKnownContact: {
            baselineOneRowReadTxPerSec: r(baselineLookup),
            resolvesPerSec: r(resolves),
            ratioToBaseline: ratio(resolves, baselineLookup),
          },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await ctx.database.close();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
