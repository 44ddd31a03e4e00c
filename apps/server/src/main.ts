import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { schedulerTasks, workerTasks } from "./background.js";
import { ConfigError, loadConfig, type TConfig } from "./config/env.js";
import type { TAppContext } from "./core/context.js";
import { createContext } from "./core/create-context.js";
import { rows, withSystemTx } from "./core/db/tx.js";
import { createLogger } from "./core/logger.js";
import { buildApp } from "./http/app.js";
import { allRoutes } from "./http/routes.js";
import { verifyAuditChain } from "./modules/audit/index.js";
import { bootstrapWorkspace } from "./modules/workspaces/index.js";
import { extraCommands, initModules, onFirstStart, sessionResolver } from "./wiring.js";

const USAGE = `usage: assent <command>
  serve [--role api|worker|scheduler|all]   start Assent (default role: all)
  migrate                                   apply database migrations
  bootstrap --json [--workspace NAME]       create a workspace, brand, owner and API key; print them as JSON
  audit verify                              verify every workspace's audit hash chain
  keys rotate-master --new-key BASE64       re-wrap every workspace key under a new master key
${Object.entries(extraCommands)
  .map(([name, c]) => `  ${name.padEnd(40)}  ${c.summary}`)
  .join("\n")}`;

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function readConfig(): TConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      fail(
        `assent: configuration error\n${error.problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n")}`,
        2,
      );
    }
    throw error;
  }
}

async function serve(ctx: TAppContext, role: string): Promise<void> {
  const stops: (() => Promise<void>)[] = [];
  let closeApp: (() => Promise<void>) | undefined;
  if (role === "api" || role === "all") {
    const first = await withSystemTx(ctx.db, (tx) =>
      rows<{ n: number }>(tx, sql`select count(*)::int as n from workspaces`),
    );
    if ((first[0]?.n ?? 0) === 0) {
      const demo = await bootstrapWorkspace(ctx, {
        workspaceName: "Demo",
        brandName: "Demo Brand",
        email: "owner@demo.assent.local",
      });
      await onFirstStart(ctx, demo);
      const base = ctx.config.publicUrl ?? `http://localhost:${ctx.config.port}`;
      out("Assent created a demo workspace on first start. These credentials are shown once:");
      out(JSON.stringify({ ...demo, docs: `${base}/docs` }, null, 2));
    }
    const app = await buildApp(ctx, {
      routes: allRoutes,
      resolveSession: sessionResolver(ctx),
      logRequests: true,
    });
    const address = await app.listen({ port: ctx.config.port, host: ctx.config.host });
    out(`Assent is listening on ${address} — API docs at ${ctx.config.publicUrl ?? address}/docs`);
    closeApp = () => app.close();
  }
  if (role === "worker" || role === "all") for (const t of workerTasks) stops.push(await t(ctx));
  if (role === "scheduler" || role === "all") for (const t of schedulerTasks) stops.push(await t(ctx));
  const shutdown = async () => {
    ctx.logger.info("shutting down");
    if (closeApp) await closeApp();
    for (const s of stops) await s();
    await ctx.database.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown());
  process.once("SIGINT", () => void shutdown());
}

async function main(argv: string[]): Promise<void> {
  const [command, sub] = argv;
  if (!command || command === "help" || command === "--help") {
    out(USAGE);
    return;
  }
  const extra = extraCommands[command];
  if (extra && !extra.needsDatabase) {
    await extra.run(argv.slice(1), undefined);
    return;
  }
  const config = readConfig();
  // Commands that print machine-readable output keep the log off stdout.
  const logger = createLogger(
    command === "serve" ? config.logLevel : "warn",
    command === "serve" ? undefined : process.stderr,
  );
  switch (command) {
    case "serve": {
      const { values } = parseArgs({
        args: argv.slice(1),
        options: { role: { type: "string", default: "all" } },
      });
      const role = values.role ?? "all";
      if (!["api", "worker", "scheduler", "all"].includes(role))
        fail(`--role must be api, worker, scheduler or all`, 2);
      const ctx = await createContext(config, logger);
      initModules(ctx);
      await serve(ctx, role);
      return;
    }
    case "migrate": {
      const ctx = await createContext(config, logger);
      out("migrations are up to date");
      await ctx.database.close();
      return;
    }
    case "bootstrap": {
      const { values } = parseArgs({
        args: argv.slice(1),
        options: {
          json: { type: "boolean", default: false },
          workspace: { type: "string" },
          email: { type: "string" },
        },
      });
      const ctx = await createContext(config, logger);
      initModules(ctx);
      const result = await bootstrapWorkspace(ctx, {
        workspaceName: values.workspace ?? "Workspace",
        ...(values.email ? { email: values.email } : {}),
      });
      await onFirstStart(ctx, result);
      await ctx.database.close();
      const { accountSid: _sid, ...printed } = result;
      out(
        values.json
          ? JSON.stringify({ ...printed, accountSid: result.accountSid })
          : JSON.stringify(result, null, 2),
      );
      return;
    }
    case "audit": {
      if (sub !== "verify") fail(USAGE, 2);
      const ctx = await createContext(config, logger);
      const result = await verifyAuditChain(ctx.db);
      await ctx.database.close();
      out(JSON.stringify(result, null, 2));
      if (!result.ok) process.exit(1);
      return;
    }
    case "keys": {
      if (sub !== "rotate-master") fail(USAGE, 2);
      const { values } = parseArgs({
        args: argv.slice(2),
        options: { "new-key": { type: "string" }, "new-key-file": { type: "string" } },
      });
      const raw =
        values["new-key"] ??
        (values["new-key-file"] ? readFileSync(values["new-key-file"], "utf8").trim() : undefined);
      if (!raw) fail("keys rotate-master needs --new-key BASE64 or --new-key-file PATH", 2);
      const next = Buffer.from(raw, "base64");
      if (next.length !== 32) fail("the new master key must be 32 bytes encoded as base64", 2);
      const ctx = await createContext(config, logger);
      const counts = await ctx.keys.rotateMaster(ctx.db, next);
      await ctx.database.close();
      out(
        JSON.stringify({
          rotated: counts,
          next: "set ASSENT_MASTER_KEY to the new key (or replace master.key in the data directory) before the next start",
        }),
      );
      return;
    }
    default: {
      if (extra) {
        const ctx = await createContext(config, logger);
        initModules(ctx);
        try {
          await extra.run(argv.slice(1), ctx);
        } finally {
          await ctx.database.close();
        }
        return;
      }
      fail(USAGE, 2);
    }
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  fail(`assent: ${error instanceof Error ? error.message : String(error)}`);
});
