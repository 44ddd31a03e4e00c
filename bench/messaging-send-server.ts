/**
 * One server of the send benchmark, in its own process: `bare` (a bare Fastify JSON handler, the
 * baseline) or `assent` (the real app with POST /v1/messages on the configured database).
 * Env: MODE, DATABASE_URL or ASSENT_DATA_DIR, ASSENT_MASTER_KEY, BENCH_SEND_CONCURRENCY, BENCH_SEND_GATHER. Prints
 * {"port":N} when listening.
 */
import type { AddressInfo } from "node:net";
import Fastify from "fastify";
import { loadConfig } from "../apps/server/src/config/env.js";
import { createContext } from "../apps/server/src/core/create-context.js";
import { createLogger } from "../apps/server/src/core/logger.js";
import { buildApp } from "../apps/server/src/http/app.js";
import { allRoutes } from "../apps/server/src/http/routes.js";
import { messageRoutes } from "../apps/server/src/modules/messaging/index.js";
import { getSendBatcher } from "../apps/server/src/modules/messaging/send-batcher.js";
import { profileStatements } from "./messaging-bench-setup.js";

async function bare(): Promise<{ port: number; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  app.post("/v1/messages", async (_request, reply) =>
    reply.status(202).send({ id: "msg_bench", status: "queued" }),
  );
  app.get("/bench/cpu", async () => process.cpuUsage());
  await app.listen({ port: 0, host: "127.0.0.1" });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}

async function assent(): Promise<{ port: number; close(): Promise<void> }> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: "silent", NODE_ENV: "production" });
  const ctx = await createContext(config, createLogger("silent"), { migrate: false });
  const routes = allRoutes.includes(messageRoutes) ? allRoutes : [...allRoutes, messageRoutes];
  // BENCH_PROFILE=1: time per SQL statement, printed to stderr when the server stops.
  const profile = profileStatements(ctx);
  // BENCH_SEND_CONCURRENCY=N: batches committing at once; BENCH_SEND_GATHER=ms: how long a batch waits for
  // the callers the last one answered (the batcher is per context, so creating it here with the options is
  // what the routes then use). Unset: the server's defaults.
  if (process.env.BENCH_SEND_CONCURRENCY || process.env.BENCH_SEND_GATHER)
    getSendBatcher(ctx, {
      ...(process.env.BENCH_SEND_CONCURRENCY
        ? { concurrency: Number(process.env.BENCH_SEND_CONCURRENCY) }
        : {}),
      ...(process.env.BENCH_SEND_GATHER ? { gatherMs: Number(process.env.BENCH_SEND_GATHER) } : {}),
    });
  const app = await buildApp(ctx, {
    routes: [
      ...routes,
      (a) => {
        a.get("/bench/cpu", { config: { public: true } }, async () => process.cpuUsage());
      },
    ],
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    port: (app.server.address() as AddressInfo).port,
    close: async () => {
      await app.close();
      if (process.env.BENCH_PROFILE === "1") process.stderr.write(`send profile:\n${profile.report()}\n`);
      await ctx.database.close();
    },
  };
}

const server = process.env.MODE === "bare" ? await bare() : await assent();
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.once("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
