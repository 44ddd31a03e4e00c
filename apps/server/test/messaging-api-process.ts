/**
 * The HTTP API (with the messaging routes) in its own process, for the multi-process messaging test.
 * Env: DATABASE_URL, ASSENT_MASTER_KEY. Prints {"port":N} when listening; SIGTERM stops it.
 */
import type { AddressInfo } from "node:net";
import { loadConfig } from "../src/config/env.js";
import { createContext } from "../src/core/create-context.js";
import { createLogger } from "../src/core/logger.js";
import { buildApp } from "../src/http/app.js";
import { messagingTestRoutes } from "../src/modules/messaging/testing/messaging-fixture.js";

const config = loadConfig({ ...process.env, LOG_LEVEL: "silent", NODE_ENV: "test" });
const ctx = await createContext(config, createLogger("silent"), { migrate: false });
const app = await buildApp(ctx, { routes: messagingTestRoutes() });
await app.listen({ port: 0, host: "127.0.0.1" });
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as AddressInfo).port })}\n`);
process.once("SIGTERM", () => {
  void app
    .close()
    .then(() => ctx.database.close())
    .then(() => process.exit(0));
});
