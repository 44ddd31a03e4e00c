import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

export interface TChild {
  process: ChildProcess;
  /** The first line the child printed (ready, or its port as JSON). */
  firstLine: Promise<string>;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Run one of the messaging helper scripts of this folder in its own process (tsx). */
export function spawnScript(script: string, env: Record<string, string>): TChild {
  // node itself with tsx as a loader (not the tsx CLI, which runs the script in a grandchild that a
  // SIGKILL of its parent would leave running).
  const child = spawn(process.execPath, ["--import", "tsx", path.join(here, script)], {
    cwd: path.resolve(here, ".."),
    env: { ...process.env, ...env, NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let resolveLine: (line: string) => void = () => undefined;
  let rejectLine: (error: Error) => void = () => undefined;
  const firstLine = new Promise<string>((resolve, reject) => {
    resolveLine = resolve;
    rejectLine = reject;
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
    const nl = out.indexOf("\n");
    if (nl >= 0) resolveLine(out.slice(0, nl));
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  child.once("exit", (code, signal) =>
    rejectLine(new Error(`${script} exited (${code ?? signal}) before it was ready:\n${out}`)),
  );
  const timer = setTimeout(() => rejectLine(new Error(`${script} not ready in time:\n${out}`)), 60_000);
  void firstLine.finally(() => clearTimeout(timer)).catch(() => undefined);
  return {
    process: child,
    firstLine,
    output: () => out,
    stop: (signal = "SIGTERM") =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}
