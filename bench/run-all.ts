/**
 * Runs every benchmark under bench/ one after another (each prints its own figures and the ratio against a
 * baseline measured in the same run). `npm run bench` from the repository root; set DATABASE_URL to run the
 * database benchmarks on Postgres instead of the embedded PGlite.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const here = import.meta.dirname;
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const tsx = createRequire(import.meta.url).resolve("tsx/cli");
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n=== ${f}\n`);
  const r = spawnSync(process.execPath, [tsx, path.join(here, f)], { stdio: "inherit", env: process.env });
  if (r.status !== 0) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);
