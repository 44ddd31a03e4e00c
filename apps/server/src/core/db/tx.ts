import { type SQL, sql } from "drizzle-orm";
import type { TDb } from "./client.js";

/** A Drizzle transaction. Operations that must be atomic with others take a `TTx`, never a `TDb`. */
export type TTx = Parameters<Parameters<TDb["transaction"]>[0]>[0];

/** Work registered by `beforeCommit`, per transaction opened by the helpers below. */
const commitHooks = new WeakMap<TTx, (() => Promise<void>)[]>();

/**
 * Run `hook` inside `tx` right before it commits (after the caller's function returned; not at all if
 * it threw). Answers false when `tx` was not opened by withWorkspaceTx / withSystemTx (for instance a
 * savepoint or a bare `db.transaction`): the caller must then do the work at once.
 */
export function beforeCommit(tx: TTx, hook: () => Promise<void>): boolean {
  const hooks = commitHooks.get(tx);
  if (!hooks) return false;
  hooks.push(hook);
  return true;
}

async function runThenHooks<T>(tx: TTx, fn: (tx: TTx) => Promise<T>): Promise<T> {
  const hooks: (() => Promise<void>)[] = [];
  commitHooks.set(tx, hooks);
  try {
    const result = await fn(tx);
    // A hook may register another one: run until none is left.
    for (let n = 0; n < hooks.length; n++) await hooks[n]?.();
    return result;
  } finally {
    commitHooks.delete(tx);
  }
}

/**
 * Run `fn` in a transaction as the unprivileged `assent_app` role with `app.workspace_id` set, so
 * Postgres row-level security confines every statement to that workspace, behind the app's own checks.
 */
export function withWorkspaceTx<T>(db: TDb, workspaceId: string, fn: (tx: TTx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('role', 'assent_app', true), set_config('app.workspace_id', ${workspaceId}, true)`,
    );
    return runThenHooks(tx, fn);
  });
}

/**
 * Run `fn` in a transaction that may touch every workspace (dispatcher claims, bootstrap, verification
 * commands). Still the `assent_app` role; the policies let it through only with `app.bypass_rls` on.
 */
export function withSystemTx<T>(db: TDb, fn: (tx: TTx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('role', 'assent_app', true), set_config('app.bypass_rls', 'on', true)`,
    );
    return runThenHooks(tx, fn);
  });
}

/** Rows of a raw statement, whichever driver answered. */
export async function rows<T>(runner: TDb | TTx, query: SQL): Promise<T[]> {
  const result: unknown = await runner.execute(query);
  if (typeof result === "object" && result !== null && "rows" in result && Array.isArray(result.rows)) {
    return result.rows as T[];
  }
  throw new Error("unexpected driver result");
}

/** Postgres SQLSTATE of a driver error, by class, never by message text. */
export function sqlState(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && typeof e === "object" && e !== null; depth++) {
    if ("code" in e && typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
    e = "cause" in e ? e.cause : undefined;
  }
  return undefined;
}
