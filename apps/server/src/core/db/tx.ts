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

/** Run the hooks registered so far, in order; a hook may register another one: run until none is left. */
async function runHooks(tx: TTx): Promise<void> {
  const hooks = commitHooks.get(tx);
  if (!hooks) return;
  for (let hook = hooks.shift(); hook !== undefined; hook = hooks.shift()) await hook();
}

async function runThenHooks<T>(tx: TTx, fn: (tx: TTx) => Promise<T>): Promise<T> {
  commitHooks.set(tx, []);
  try {
    const result = await fn(tx);
    await runHooks(tx);
    return result;
  } finally {
    commitHooks.delete(tx);
  }
}

/** Postgres transactions of the helpers below: their connection, and whether commitWith ended them. */
interface TOpenPostgresTx {
  client: pg.PoolClient;
  dialect: PgDialect;
  /** `begin; <settings>`, until it was sent (see postgresTx: it travels with the first statement). */
  begin: string | null;
  committed: boolean;
  /** The helper returned (the connection went back to the pool): the transaction takes no more statements. */
  closed: boolean;
}
const openPostgresTx = new WeakMap<TTx, TOpenPostgresTx>();

/**
 * A value as SQL literal text for the simple-query protocol: dollar-quoted (no escape processing, so
 * whatever `standard_conforming_strings` says), with a tag the value does not contain. Arrays become
 * array literals; the statement casts every parameter to its type.
 */
function literal(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  let text: string;
  if (typeof value === "string") text = value;
  else if (value instanceof Date) text = value.toISOString();
  else if (Array.isArray(value)) {
    const parts = value.map((v: unknown) => {
      if (v === null || v === undefined) return "NULL";
      if (typeof v !== "string") throw new Error("commitWith: arrays of text only");
      return `"${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
    });
    text = `{${parts.join(",")}}`;
  } else throw new Error(`commitWith: no literal for a ${typeof value}`);
  // The quote ends at the tag's first occurrence after the opening one: it must be the closing tag itself,
  // not one the value's end forms with it (a value ending in "$a" would close "$a$" early).
  let tag = "$a$";
  for (let n = 0; `${text}${tag}`.indexOf(tag) !== text.length; n++) tag = `$a${n}$`;
  return `${tag}${text}${tag}`;
}

/**
 * Run `query` as the LAST statement of `tx` and COMMIT in the same round trip, answering its rows. Commit
 * hooks run first (their statements before it). On Postgres, in a transaction of withWorkspaceTx /
 * withSystemTx, the statement's parameters are written into its text as literals and the statement and
 * `commit` travel as one simple-protocol message: if the statement fails, Postgres skips the commit and
 * the helper rolls the transaction back, so nothing is half-written. Elsewhere (PGlite, a savepoint) the
 * statement runs as usual and the helper commits after. Either way the caller must not use `tx` after it.
 * `query` must not contain `$n` text other than its parameters.
 */
export async function commitWith<T>(tx: TTx, query: SQL): Promise<T[]> {
  const open = openPostgresTx.get(tx);
  if (!open) return rows<T>(tx, query);
  if (open.committed) throw new Error("commitWith: the transaction is already committed");
  await runHooks(tx);
  // Nothing may register a commit hook past this point: recordAudit would then write at once.
  commitHooks.delete(tx);
  const q = open.dialect.sqlToQuery(query);
  const text = q.sql.replace(/\$(\d+)/g, (_m, n: string) => literal(q.params[Number(n) - 1]));
  // A transaction whose first statement this is sends BEGIN and its settings in the same message.
  const begin = open.begin;
  open.begin = null;
  open.committed = true;
  const results: unknown = await open.client.query(`${begin === null ? "" : `${begin};\n`}${text};\ncommit`);
  const mine = Array.isArray(results) ? results[results.length - 2] : results;
  if (typeof mine === "object" && mine !== null && "rows" in mine && Array.isArray(mine.rows)) {
    return mine.rows as T[];
  }
  throw new Error("unexpected driver result");
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
 * A transaction whose BEGIN and role/settings travel in one round trip, sent with the transaction's first
 * statement: drizzle's own `transaction` on node-postgres waits for `begin` before running the callback,
 * and every round trip on loopback costs tens of microseconds of CPU on each side. BEGIN waits for the
 * first statement (a READ COMMITTED transaction takes its first snapshot there anyway): before a statement
 * of drizzle's it is its own message; before `commitWith` it joins that statement's message, so a
 * transaction made of one commitWith is one round trip. A transaction that ran nothing sends nothing.
 * Same commit / rollback / release sequence as drizzle's. `settings` is constant SQL text (values quoted
 * by the caller).
 */
async function postgresTx<T>(
  db: TDb,
  postgres: { pool: pg.Pool; parts: TNodePgParts },
  settings: string,
  fn: (tx: TTx) => Promise<T>,
): Promise<T> {
  const dialect = (db as unknown as { dialect: PgDialect }).dialect;
  const client = await postgres.pool.connect();
  const open: TOpenPostgresTx = {
    client,
    dialect,
    begin: `begin; ${settings}`,
    committed: false,
    closed: false,
  };
  // drizzle's statements go through `query` (the only method its session calls on a client). The first one
  // queues the pending BEGIN right before itself, without waiting in between: the client runs its queue in
  // order, so statements, COMMIT and ROLLBACK reach the server in the order they were issued, and awaiting
  // COMMIT or ROLLBACK below waits for every statement issued before it. BEGIN and the settings travel in
  // one simple-protocol message; if it fails, the statement fails in the aborted transaction (or with it),
  // and the rollback below ends it. A statement after the transaction ended (after commitWith, or once the
  // helper returned and the connection went back to the pool) is refused: it would run outside the
  // transaction, as the login role, or inside another caller's transaction.
  const lazy = {
    query: async (...args: Parameters<pg.PoolClient["query"]>) => {
      if (open.closed || open.committed) throw new Error("the transaction has ended: no more statements");
      const begin = open.begin;
      if (begin === null) return client.query(...args);
      open.begin = null;
      const began = client.query(begin);
      const statement = client.query(...args);
      const [b, r] = await Promise.allSettled([began, statement]);
      if (b.status === "rejected") throw b.reason;
      if (r.status === "rejected") throw r.reason;
      return r.value;
    },
  } as unknown as pg.PoolClient;
  const session = new NodePgSession(lazy, dialect, postgres.parts.schema, postgres.parts.options);
  const tx = new NodePgTransaction(dialect, session, postgres.parts.schema) as unknown as TTx;
  openPostgresTx.set(tx, open);
  try {
    const result = await runThenHooks(tx, fn);
    // commitWith may have committed already, with the transaction's last statement; a transaction that
    // never began has nothing to commit.
    if (!open.committed && open.begin === null) await client.query("commit");
    return result;
  } catch (error) {
    // Also after a failed commitWith: an aborted transaction is rolled back; one whose COMMIT failed is
    // already gone (Postgres then only warns). One that never began has nothing to roll back.
    if (open.begin === null) await client.query("rollback");
    throw error;
  } finally {
    open.closed = true;
    openPostgresTx.delete(tx);
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
