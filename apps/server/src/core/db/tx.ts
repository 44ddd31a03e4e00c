import { type SQL, sql } from "drizzle-orm";
import { NodePgSession, NodePgTransaction } from "drizzle-orm/node-postgres";
import type { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";
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

/** What drizzle's node-postgres session keeps private and a transaction of our own needs. */
interface TNodePgParts {
  client: unknown;
  schema: ConstructorParameters<typeof NodePgSession>[2];
  options: ConstructorParameters<typeof NodePgSession>[3];
}

/** The pool behind a node-postgres database; undefined for PGlite. */
function postgresPool(db: TDb): { pool: pg.Pool; parts: TNodePgParts } | undefined {
  const session: unknown = db._.session;
  if (!(session instanceof NodePgSession)) return undefined;
  const parts = session as unknown as TNodePgParts;
  return parts.client instanceof pg.Pool ? { pool: parts.client, parts } : undefined;
}

/**
 * A transaction whose BEGIN and role/settings travel in one round trip: drizzle's own `transaction` on
 * node-postgres waits for `begin` before running the callback, and every round trip on loopback costs
 * tens of microseconds of CPU on each side. Same commit / rollback / release sequence as drizzle's.
 * `settings` is constant SQL text (values quoted by the caller).
 */
async function postgresTx<T>(
  db: TDb,
  postgres: { pool: pg.Pool; parts: TNodePgParts },
  settings: string,
  fn: (tx: TTx) => Promise<T>,
): Promise<T> {
  const dialect = (db as unknown as { dialect: PgDialect }).dialect;
  const client = await postgres.pool.connect();
  const session = new NodePgSession(client, dialect, postgres.parts.schema, postgres.parts.options);
  const tx = new NodePgTransaction(dialect, session, postgres.parts.schema) as unknown as TTx;
  try {
    // Simple-query protocol: both statements in one message. A failure of the second one leaves an
    // aborted transaction, which the rollback below ends.
    await client.query(`begin; ${settings}`);
    const result = await runThenHooks(tx, fn);
    await tx.execute(sql`commit`);
    return result;
  } catch (error) {
    await tx.execute(sql`rollback`);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Run `fn` in a transaction as the unprivileged `assent_app` role with `app.workspace_id` set, so
 * Postgres row-level security confines every statement to that workspace, behind the app's own checks.
 */
export function withWorkspaceTx<T>(db: TDb, workspaceId: string, fn: (tx: TTx) => Promise<T>): Promise<T> {
  const postgres = postgresPool(db);
  if (postgres) {
    return postgresTx(
      db,
      postgres,
      `select set_config('role', 'assent_app', true), set_config('app.workspace_id', ${pg.escapeLiteral(workspaceId)}, true)`,
      fn,
    );
  }
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('role', 'assent_app', true), set_config('app.workspace_id', ${workspaceId}, true)`,
    );
    return runThenHooks(tx, fn);
  });
}

const SYSTEM_SETTINGS =
  "select set_config('role', 'assent_app', true), set_config('app.bypass_rls', 'on', true)";

/**
 * Run `fn` in a transaction that may touch every workspace (dispatcher claims, bootstrap, verification
 * commands). Still the `assent_app` role; the policies let it through only with `app.bypass_rls` on.
 */
export function withSystemTx<T>(db: TDb, fn: (tx: TTx) => Promise<T>): Promise<T> {
  const postgres = postgresPool(db);
  if (postgres) return postgresTx(db, postgres, SYSTEM_SETTINGS, fn);
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(SYSTEM_SETTINGS));
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
