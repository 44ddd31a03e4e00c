import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { openDatabase, pgliteDatabase, type TDatabase } from "../src/core/db/client.js";
import { listMigrations, migrate } from "../src/core/db/migrate.js";

/** Which engine the suite runs against: PGlite by default, a real Postgres with ASSENT_TEST_DB=postgres. */
export const testEngine: "pglite" | "postgres" =
  process.env.ASSENT_TEST_DB === "postgres" ? "postgres" : "pglite";

/** Admin URL of the test Postgres server (each test database is created from it and dropped after). */
export const testAdminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TTestDatabase extends TDatabase {
  readonly url: string | undefined;
}

/** A fresh, migrated database: in-memory PGlite, or a new Postgres database dropped on close. */
export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<TTestDatabase> {
  if (testEngine === "pglite") {
    const client = new PGlite({ loadDataDir: new Blob([await migratedSnapshot()]) });
    await client.waitReady;
    const database = pgliteDatabase(client);
    await migrate(database);
    return Object.assign(database, { url: undefined });
  }
  const name = `assent_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: testAdminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(testAdminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: options.poolSize ?? 8 });
  await migrate(database);
  const close = database.close;
  return Object.assign(database, {
    url: url.toString(),
    async close() {
      await close();
      const a = new pg.Client({ connectionString: testAdminUrl });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  });
}

/**
 * Migrating a fresh PGlite takes seconds; loading a dump of an already-migrated one takes a fraction of that.
 * The dump is cached in the temp directory under the hash of every migration, so any change re-creates it.
 */
let snapshot: Promise<Uint8Array> | undefined;
function migratedSnapshot(): Promise<Uint8Array> {
  snapshot ??= (async () => {
    const key = createHash("sha256")
      .update(
        listMigrations()
          .map((m) => `${m.name}:${m.checksum}`)
          .join("\n"),
      )
      .digest("hex")
      .slice(0, 16);
    const file = path.join(os.tmpdir(), `assent-pglite-${key}.tar.gz`);
    if (existsSync(file)) return new Uint8Array(readFileSync(file));
    const fresh = await openDatabase({ memory: true });
    await migrate(fresh);
    const dump = await (fresh as TDatabase & { dump(): Promise<Blob> }).dump();
    await fresh.close();
    const bytes = new Uint8Array(await dump.arrayBuffer());
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
    return bytes;
  })();
  return snapshot;
}
