import type { TTestDatabase } from "./harness.js";

/** A promise and the function that settles it (a transaction held open until the test lets it go). */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Waits (no time limit of its own: the test's) until some transaction waits for an advisory lock, or
 * until backend `pid` does when given.
 */
export async function untilWaitingForAdvisoryLock(database: TTestDatabase, pid?: number): Promise<void> {
  for (;;) {
    const waiting = await database.query<{ n: number }>(
      pid === undefined
        ? "select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted"
        : "select count(*)::int as n from pg_locks where pid = $1 and locktype = 'advisory' and not granted",
      pid === undefined ? [] : [pid],
    );
    if ((waiting[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether the address lock keyed `key` (as lockAddress keys it) is free: taken by nobody else now. */
export async function advisoryLockFree(database: TTestDatabase, key: string): Promise<boolean> {
  const [probe] = await database.query<{ free: boolean }>(
    "select pg_try_advisory_xact_lock(hashtextextended($1, 0)) as free",
    [key],
  );
  return probe?.free === true;
}
