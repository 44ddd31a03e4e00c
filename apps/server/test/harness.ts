import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type TDatabase } from "../src/core/db/client.js";
import { migrate } from "../src/core/db/migrate.js";

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
    const database = await openDatabase({ memory: true });
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
