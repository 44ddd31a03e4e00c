import { randomBytes } from "node:crypto";
import pg from "pg";
import { type TTestDatabase, testAdminUrl, testEngine } from "../../../../test/harness.js";
import { openDatabase } from "../../../core/db/client.js";
import { listMigrations } from "../../../core/db/migrate.js";

/**
 * A fresh database (PGlite or Postgres, as the suite runs) with only the migrations numbered before
 * `first` applied, recorded as `migrate` records them: `migrate` then applies the rest, as it would on an
 * installation upgraded from then. For tests of what a migration does to rows written before it.
 */
export async function createDatabaseBefore(first: string): Promise<TTestDatabase> {
  const database = await freshDatabase();
  await database.exec(`create table if not exists schema_migrations (
    name text primary key, checksum text not null, applied_at timestamptz not null default now());`);
  for (const f of listMigrations().filter((m) => m.name < first)) {
    await database.exec(
      `begin;\n${f.sql}\n;insert into schema_migrations(name, checksum) values ('${f.name}', '${f.checksum}');\ncommit;`,
    );
  }
  await database.exec(`grant usage on schema public to assent_app;
    grant select, insert, update, delete on all tables in schema public to assent_app;
    grant usage, select on all sequences in schema public to assent_app;`);
  return database;
}

async function freshDatabase(): Promise<TTestDatabase> {
  if (testEngine === "pglite") return Object.assign(await openDatabase({ memory: true }), { url: undefined });
  const name = `assent_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: testAdminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(testAdminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 8 });
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
