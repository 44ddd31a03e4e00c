import { type ChildProcess, spawn, spawnSync } from "node:child_process";
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
const children: ChildProcess[] = [];

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
  // A server left running by a test that timed out.
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
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

  it("creates a demo workspace at first start whose demo brand has a sandbox sender (README)", async () => {
    const env = await freshEnv();
    const child = spawn(process.execPath, [bin, "serve", "--role", "api"], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        ...env,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "silent",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const listening = await new Promise<string>((resolve, reject) => {
        const check = () => {
          const m = /Assent is listening on (http:\/\/\S+)/.exec(stdout);
          if (m?.[1]) resolve(m[1]);
        };
        child.stdout.on("data", check);
        void exited.then((code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
      });
      const start = stdout.indexOf("These credentials are shown once:");
      expect(start, stdout).toBeGreaterThanOrEqual(0);
      const printed = stdout.slice(stdout.indexOf("{", start), stdout.indexOf("Assent is listening on"));
      const demo = JSON.parse(printed) as { workspaceId: string; brandId: string; apiKey: string };
      expect(demo.workspaceId).toMatch(/^ws_/);
      expect(demo.brandId).toMatch(/^brd_/);
      const auth = { authorization: `Bearer ${demo.apiKey}` };

      const listed = await fetch(`${listening}/v1/channel-accounts`, { headers: auth });
      expect(listed.status).toBe(200);
      const accounts = (
        (await listed.json()) as {
          data: { id: string; brandId: string; providerId: string; channel: string; status: string }[];
        }
      ).data;
      const sandbox = accounts.filter((a) => a.providerId === "sandbox");
      expect(sandbox).toHaveLength(1);
      expect(sandbox[0]).toMatchObject({ brandId: demo.brandId, status: "active" });

      // And it works: a simulated customer message goes through it.
      const inbound = await fetch(`${listening}/v1/sandbox/inbound`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ brandId: demo.brandId, from: "+14155550100", body: "Hello" }),
      });
      expect(inbound.status, await inbound.clone().text()).toBe(201);
      expect(((await inbound.json()) as { channelAccountId: string }).channelAccountId).toBe(sandbox[0]?.id);
    } finally {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    }
  });

  it("stops on a bad variable, naming it", () => {
    const r = run(["migrate"], { PORT: "not-a-port" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("PORT");
  });
});
