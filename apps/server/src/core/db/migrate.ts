import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TDatabase } from "./client.js";

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface TMigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/**
 * Every migration: `core/db/migrations/*.sql` and `modules/<m>/migrations/*.sql`, ordered by the global
 * four-digit prefix of the file name (ranges per module, see docs/adr/0001-sql-migrations.md).
 */
export function listMigrations(): TMigrationFile[] {
  const dirs = [path.join(srcDir, "core/db/migrations")];
  for (const m of readdirSync(path.join(srcDir, "modules"), { withFileTypes: true })) {
    if (m.isDirectory()) dirs.push(path.join(srcDir, "modules", m.name, "migrations"));
  }
  const files: TMigrationFile[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => /^\d{4}_[a-z0-9_]+\.sql$/.test(n));
    } catch {
      continue;
    }
    for (const name of names) {
      const text = readFileSync(path.join(dir, name), "utf8");
      files.push({ name, sql: text, checksum: createHash("sha256").update(text).digest("hex") });
    }
  }
  files.sort((a, b) => a.name.localeCompare(b.name));
  for (let i = 1; i < files.length; i++) {
    if (files[i]?.name.slice(0, 4) === files[i - 1]?.name.slice(0, 4)) {
      throw new Error(`two migrations share the number ${files[i]?.name.slice(0, 4)}`);
    }
  }
  return files;
}

/** Apply pending migrations, each in its own transaction, under an advisory lock (many processes may start). */
export async function migrate(database: TDatabase): Promise<string[]> {
  const files = listMigrations();
  await database.exec(`
    create table if not exists schema_migrations (
      name text primary key, checksum text not null, applied_at timestamptz not null default now());`);
  if (database.kind === "postgres") await database.query("select pg_advisory_lock(727001)");
  try {
    const applied = new Map(
      (
        await database.query<{ name: string; checksum: string }>(
          "select name, checksum from schema_migrations",
        )
      ).map((r) => [r.name, r.checksum]),
    );
    const done: string[] = [];
    for (const f of files) {
      const seen = applied.get(f.name);
      if (seen !== undefined) {
        if (seen !== f.checksum) throw new Error(`migration ${f.name} was changed after it was applied`);
        continue;
      }
      const escaped = f.name.replace(/'/g, "''");
      await database.exec(
        `begin;\n${f.sql}\n;insert into schema_migrations(name, checksum) values ('${escaped}', '${f.checksum}');\ncommit;`,
      );
      done.push(f.name);
    }
    if (done.length > 0) {
      await database.exec(`
        grant usage on schema public to assent_app;
        grant select, insert, update, delete on all tables in schema public to assent_app;
        grant usage, select on all sequences in schema public to assent_app;`);
    }
    return done;
  } finally {
    if (database.kind === "postgres") await database.query("select pg_advisory_unlock(727001)");
  }
}
