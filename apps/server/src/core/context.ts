import type { TConfig } from "../config/env.js";
import type { TDatabase, TDb } from "./db/client.js";
import type { KeyRing } from "./keyring.js";
import type { TLogger } from "./logger.js";

/** What every operation and route may use. Built once per process in main.ts (or per test). */
export interface TAppContext {
  readonly config: TConfig;
  readonly database: TDatabase;
  readonly db: TDb;
  readonly keys: KeyRing;
  readonly logger: TLogger;
  readonly clock: () => Date;
}
