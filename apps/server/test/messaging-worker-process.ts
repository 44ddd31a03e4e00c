/**
 * A dispatcher in its own process, for the multi-process messaging tests (SIGKILL, two workers).
 * Env: DATABASE_URL, ASSENT_MASTER_KEY, WORKER_ID, BASE_URLS (JSON provider → URL), MESSAGE_LEASE_MS,
 * SENDER_LEASE_MS, LEASE_MARGIN_MS, BATCH_SIZE. Prints "ready" when running; SIGTERM stops it cleanly.
 */
import { loadConfig } from "../src/config/env.js";
import { createContext } from "../src/core/create-context.js";
import { createLogger } from "../src/core/logger.js";
import { startDispatcher } from "../src/modules/messaging/index.js";

const env = process.env;
const config = loadConfig({ ...env, LOG_LEVEL: "silent", NODE_ENV: "test" });
const ctx = await createContext(config, createLogger("silent"), { migrate: false });
const stop = await startDispatcher(ctx, {
  ...(env.WORKER_ID ? { workerId: env.WORKER_ID } : {}),
  baseUrls: JSON.parse(env.BASE_URLS ?? "{}") as Record<string, string>,
  messageLeaseMs: Number(env.MESSAGE_LEASE_MS ?? 60_000),
  senderLeaseMs: Number(env.SENDER_LEASE_MS ?? 10_000),
  leaseMarginMs: Number(env.LEASE_MARGIN_MS ?? 2_000),
  batchSize: Number(env.BATCH_SIZE ?? 1000),
  pollMs: 50,
  reapEveryMs: 200,
  idleReleaseMs: 300,
});
process.stdout.write("ready\n");
process.once("SIGTERM", () => {
  void stop()
    .then(() => ctx.database.close())
    .then(() => process.exit(0));
});
