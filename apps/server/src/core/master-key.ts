import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { TConfig } from "../config/env.js";
import type { TLogger } from "./logger.js";

/**
 * The master key: ASSENT_MASTER_KEY when set; otherwise one generated once into the data directory
 * (embedded default), with a warning that production must supply its own. In production without the
 * variable, start-up stops.
 */
export function resolveMasterKey(config: TConfig, logger: TLogger): Buffer {
  if (config.masterKey) return Buffer.from(config.masterKey, "base64");
  if (config.nodeEnv === "production") {
    throw new Error("ASSENT_MASTER_KEY: required when NODE_ENV=production");
  }
  const file = path.resolve(config.dataDir, "master.key");
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
    if (key.length !== 32) throw new Error(`${file}: not a 32-byte base64 key`);
    return key;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600 });
  logger.warn(
    { file },
    "generated a master key into the data directory; production must set ASSENT_MASTER_KEY and keep it apart from the data",
  );
  return key;
}
