import { randomBytes } from "node:crypto";
import type { DestinationStream } from "pino";
import { loadConfig } from "../src/config/env.js";
import type { TAppContext } from "../src/core/context.js";
import { createContext } from "../src/core/create-context.js";
import { createLogger } from "../src/core/logger.js";
import { buildApp, type TRouteModule } from "../src/http/app.js";
import { allRoutes } from "../src/http/routes.js";
import type { TApp } from "../src/http/types.js";
import { bootstrapWorkspace, type TBootstrapResult } from "../src/modules/workspaces/index.js";
import { initModules, onFirstStart, sessionResolver } from "../src/wiring.js";
import { createTestDatabase, type TTestDatabase } from "./harness.js";

export interface TTestServer {
  app: TApp;
  ctx: TAppContext;
  database: TTestDatabase;
  /** A new workspace with brand, owner and all-scopes API key (and the demo wiring, e.g. sandbox sender). */
  workspace(name?: string): Promise<TBootstrapResult>;
  close(): Promise<void>;
}

/** The whole app on a fresh migrated database (PGlite or Postgres per ASSENT_TEST_DB), injected, not listening. */
export async function createTestServer(
  options: {
    routes?: readonly TRouteModule[];
    database?: TTestDatabase;
    /** Capture the app's log: every line at `level` (default trace) goes to this stream. */
    log?: { destination: DestinationStream; level?: string };
    /** The access log on, as `npm start` has it. */
    logRequests?: boolean;
  } = {},
): Promise<TTestServer> {
  const database = options.database ?? (await createTestDatabase());
  const level = options.log ? (options.log.level ?? "trace") : "silent";
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: level,
    ASSENT_MASTER_KEY: randomBytes(32).toString("base64"),
  });
  const logger = createLogger(level, options.log?.destination);
  const ctx = await createContext(config, logger, { database, migrate: false });
  initModules(ctx);
  const app = await buildApp(ctx, {
    routes: options.routes ?? allRoutes,
    resolveSession: sessionResolver(ctx),
    ...(options.logRequests ? { logRequests: true } : {}),
  });
  return {
    app,
    ctx,
    database,
    async workspace(name = "Test") {
      const ws = await bootstrapWorkspace(ctx, { workspaceName: name });
      await onFirstStart(ctx, ws);
      return ws;
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export function bearer(apiKey: string): Record<string, string> {
  return { authorization: `Bearer ${apiKey}` };
}
