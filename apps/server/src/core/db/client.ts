import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import {
  checkChannelName,
  listenOnPostgres,
  type TChannelHandlers,
  type TChannelSubscription,
} from "./pg-listener.js";

/** The Drizzle database, whichever engine is behind it. */
export type TDb = PgDatabase<PgQueryResultHKT>;

/** One of the two engines; `raw` runs plain SQL and `close` releases it. */
export interface TDatabase {
  readonly kind: "pglite" | "postgres";
  readonly db: TDb;
  /** Run multi-statement SQL without parameters (migrations). */
  exec(sqlText: string): Promise<void>;
  /** Run one parameterised statement outside Drizzle (hot paths, tooling). */
  query<T = Record<string, unknown>>(sqlText: string, params?: unknown[]): Promise<T[]>;
  /**
   * Subscribe to NOTIFY on a channel (delivered after the notifying transaction commits). On Postgres a
   * dedicated connection that reconnects; on PGlite the embedded engine's own notifications.
   */
  listen(channel: string, handlers: TChannelHandlers): Promise<TChannelSubscription>;
  close(): Promise<void>;
}

// node-postgres returns int8 as string by default; counts and sequence numbers fit in a double here.
pg.types.setTypeParser(20, (v: string) => Number.parseInt(v, 10));

export interface TOpenDatabaseOptions {
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** In-memory PGlite (tests). */
  memory?: boolean;
  poolSize?: number;
}

export async function openDatabase(options: TOpenDatabaseOptions): Promise<TDatabase> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    pool.on("error", () => undefined);
    const db = drizzlePg(pool) as unknown as TDb;
    return {
      kind: "postgres",
      db,
      async exec(sqlText) {
        await pool.query(sqlText);
      },
      async query<T>(sqlText: string, params?: unknown[]) {
        const r = await pool.query(sqlText, params as unknown[]);
        return r.rows as T[];
      },
      listen: (channel, handlers) => listenOnPostgres(options.databaseUrl ?? "", channel, handlers),
      close: () => pool.end(),
    };
  }
  let client: PGlite;
  if (options.memory) {
    client = new PGlite();
  } else {
    const dir = path.resolve(options.dataDir ?? "./data", "pglite");
    mkdirSync(dir, { recursive: true });
    client = new PGlite(dir);
  }
  await client.waitReady;
  return pgliteDatabase(client);
}

/** Wrap an open PGlite client (tests load migrated snapshots this way). */
export function pgliteDatabase(client: PGlite): TDatabase & { dump(): Promise<Blob> } {
  const db = drizzlePglite(client) as unknown as TDb;
  return {
    kind: "pglite",
    db,
    async exec(sqlText) {
      await client.exec(sqlText);
    },
    async query<T>(sqlText: string, params?: unknown[]) {
      const r = await client.query<T>(sqlText, params);
      return r.rows;
    },
    async listen(channel, handlers) {
      const unlisten = await client.listen(checkChannelName(channel), handlers.onPayload);
      handlers.onState?.(true);
      return { close: () => unlisten() };
    },
    close: () => client.close(),
    async dump() {
      const d = await client.dumpDataDir("gzip");
      return d;
    },
  };
}
