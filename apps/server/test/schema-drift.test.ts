import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "./harness.js";

const src = path.resolve(import.meta.dirname, "../src");

function tableFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tableFiles(p);
    return e.name.endsWith(".tables.ts") ? [p] : [];
  });
}

let database: TTestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.close());

describe("Drizzle declarations match the SQL migrations (ADR 0001)", () => {
  it("every declared column of every table exists in the migrated database", async () => {
    const files = tableFiles(src);
    expect(files.length).toBeGreaterThan(0);
    let checked = 0;
    for (const file of files) {
      const mod: Record<string, unknown> = await import(pathToFileURL(file).href);
      for (const value of Object.values(mod)) {
        if (!(value instanceof PgTable)) continue;
        const cfg = getTableConfig(value);
        const cols = cfg.columns.map((c) => `"${c.name}"`).join(", ");
        await expect(
          database.query(`select ${cols} from "${cfg.name}" limit 0`),
          `${path.basename(file)}: ${cfg.name}`,
        ).resolves.toBeDefined();
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });
});
