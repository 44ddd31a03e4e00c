import type { TConfig } from "../config/env.js";
import type { TAppContext } from "./context.js";
import { openDatabase, type TDatabase } from "./db/client.js";
import { migrate } from "./db/migrate.js";
import { KeyRing } from "./keyring.js";
import type { TLogger } from "./logger.js";
import { resolveMasterKey } from "./master-key.js";

/** Open the configured database, apply migrations, load the master key. */
export async function createContext(
  config: TConfig,
  logger: TLogger,
  options: { database?: TDatabase; masterKey?: Buffer; migrate?: boolean } = {},
): Promise<TAppContext> {
  const database =
    options.database ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: config.poolSize,
    }));
  if (options.migrate !== false) {
    const applied = await migrate(database);
    if (applied.length > 0) logger.info({ count: applied.length }, "migrations applied");
  }
  const keys = new KeyRing(options.masterKey ?? resolveMasterKey(config, logger));
  return { config, database, db: database.db, keys, logger, clock: () => new Date() };
}
