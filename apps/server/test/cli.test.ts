import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { testAdminUrl, testEngine } from "./harness.js";

const bin = path.resolve(import.meta.dirname, "../bin/assent.mjs");
const dirs: string[] = [];
const dbs: string[] = [];

function run(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function freshEnv(): Promise<Record<string, string>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "assent-cli-"));
  dirs.push(dir);
  if (testEngine === "pglite") return { ASSENT_DATA_DIR: dir };
  const name = `assent_cli_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: testAdminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  dbs.push(name);
  const url = new URL(testAdminUrl);
  url.pathname = `/${name}`;
  return { ASSENT_DATA_DIR: dir, DATABASE_URL: url.toString() };
}

afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (dbs.length > 0) {
    const admin = new pg.Client({ connectionString: testAdminUrl });
    await admin.connect();
    for (const d of dbs) await admin.query(`drop database if exists ${d} with (force)`);
    await admin.end();
  }
});

describe("assent CLI", () => {
  it("bootstrap --json prints exactly one JSON object; audit verify passes; rotate-master keeps data readable", async () => {
    const env = await freshEnv();
    const b = run(["bootstrap", "--json", "--workspace", "Acme"], env);
    expect(b.code, b.stderr).toBe(0);
    const lines = b.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0] ?? "");
    expect(out.workspaceId).toMatch(/^ws_/);
    expect(out.brandId).toMatch(/^brd_/);
    expect(out.apiKey).toMatch(/^ask_/);
    expect(out.user.email).toContain("@");
    expect(out.user.password.length).toBeGreaterThanOrEqual(12);

    const v = run(["audit", "verify"], env);
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, workspaces: 1 });

    const newKey = randomBytes(32).toString("base64");
    const rot = run(["keys", "rotate-master", "--new-key", newKey], env);
    expect(rot.code, rot.stderr).toBe(0);
    expect(JSON.parse(rot.stdout).rotated.workspaceKeys).toBe(1);
    // With the new key a second workspace can be bootstrapped and the first one's keys still unwrap.
    const again = run(["bootstrap", "--json", "--workspace", "Second"], {
      ...env,
      ASSENT_MASTER_KEY: newKey,
    });
    expect(again.code, again.stderr).toBe(0);
    const rot2 = run(["keys", "rotate-master", "--new-key", randomBytes(32).toString("base64")], {
      ...env,
      ASSENT_MASTER_KEY: newKey,
    });
    expect(rot2.code, rot2.stderr).toBe(0);
    expect(JSON.parse(rot2.stdout).rotated.workspaceKeys).toBe(2);
  });

  it("stops on a bad variable, naming it", () => {
    const r = run(["migrate"], { PORT: "not-a-port" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("PORT");
  });
});
