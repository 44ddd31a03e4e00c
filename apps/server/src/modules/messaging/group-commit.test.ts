import type { PGlite, QueryOptions, Transaction } from "@electric-sql/pglite";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../test/server.js";
import { GroupCommit } from "./group-commit.js";
import { prepareSendWork } from "./prepare-send-work.js";
import { getSendBatcher } from "./send-batcher.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  testActor,
} from "./testing/messaging-fixture.js";

/** A group commit that records its batches and answers each item with itself. */
function recording(options: { gatherMs?: number; maxBatch?: number }) {
  const batches: number[][] = [];
  const commit = new GroupCommit<number, number>({
    ...options,
    run: async (items) => {
      batches.push(items);
      return items.map((value) => ({ status: "fulfilled" as const, value }));
    },
  });
  return { batches, commit };
}

/** Let queued immediates and promise callbacks run. */
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("GroupCommit", () => {
  it("commits what arrives together in one batch and answers every item", async () => {
    const { batches, commit } = recording({});
    expect(await Promise.all([commit.submit(1), commit.submit(2), commit.submit(3)])).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("with gatherMs, waits for as many items as the last batch answered before the next batch", async () => {
    // A wait far longer than the test: only arrivals can end it here.
    const { batches, commit } = recording({ gatherMs: 60_000 });
    await Promise.all([commit.submit(1), commit.submit(2), commit.submit(3)]);
    const next = [commit.submit(4), commit.submit(5)];
    await turns();
    expect(batches).toEqual([[1, 2, 3]]);
    next.push(commit.submit(6));
    expect(await Promise.all(next)).toEqual([4, 5, 6]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    await commit.drain();
  });

  it("with gatherMs, a caller alone after a lone answer is not kept waiting", async () => {
    const { batches, commit } = recording({ gatherMs: 60_000 });
    expect(await commit.submit(1)).toBe(1);
    expect(await commit.submit(2)).toBe(2);
    expect(batches).toEqual([[1], [2]]);
  });

  it("with gatherMs, starts a smaller batch when the wait ends", async () => {
    const { batches, commit } = recording({ gatherMs: 1 });
    await Promise.all([commit.submit(1), commit.submit(2), commit.submit(3)]);
    expect(await commit.submit(4)).toBe(4);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it("with gatherMs, does not wait once maxBatch items are queued", async () => {
    const { batches, commit } = recording({ gatherMs: 60_000, maxBatch: 2 });
    await Promise.all([commit.submit(1), commit.submit(2)]);
    const next = [commit.submit(3)];
    await turns();
    expect(batches).toEqual([[1, 2]]);
    next.push(commit.submit(4));
    expect(await Promise.all(next)).toEqual([3, 4]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});

/** A connection lost after the server committed: node-postgres's error, no SQLSTATE, no severity. */
function connectionLost(): Error {
  return new Error("Connection terminated unexpectedly");
}

/** An error the server answered a statement with (as node-postgres and PGlite raise it, wrapped by drizzle). */
function serverError(code: string, severity = "ERROR"): Error {
  const cause = Object.assign(new Error("statement failed"), { severity, code });
  return new Error("Failed query", { cause });
}

/**
 * A group commit over an in-memory table: each run stores (commits) its items and answers, except a batch
 * of several items holding `poison`, which throws `error`: before storing when `rolledBack`, else after
 * (COMMIT applied, its answer lost).
 */
function table(o: { poison: number; error: () => unknown; rolledBack: boolean }) {
  const stored: number[] = [];
  const runs: number[][] = [];
  const unknown: number[] = [];
  const commit = new GroupCommit<number, number>({
    run: async (items) => {
      runs.push(items);
      const fails = items.includes(o.poison) && items.length > 1;
      if (fails && o.rolledBack) throw o.error();
      stored.push(...items);
      if (fails) throw o.error();
      return items.map((value) => ({ status: "fulfilled" as const, value }));
    },
    onOutcomeUnknown: (_error, requests) => unknown.push(requests),
  });
  return { stored, runs, unknown, commit };
}

describe("GroupCommit when a batch fails", () => {
  it("retries the items one by one when the server answered with an error (the transaction rolled back)", async () => {
    const t = table({ poison: 2, error: () => serverError("23505"), rolledBack: true });
    expect(await Promise.all([t.commit.submit(1), t.commit.submit(2), t.commit.submit(3)])).toEqual([
      1, 2, 3,
    ]);
    expect(t.runs).toEqual([[1, 2, 3], [1], [2], [3]]);
    expect(t.stored).toEqual([1, 2, 3]);
    expect(t.unknown).toEqual([]);
  });

  it("never runs a batch again when its connection was lost: no item stored twice, every caller gets a 503", async () => {
    for (const error of [
      connectionLost,
      () => Object.assign(new Error("write EPIPE"), { code: "EPIPE", errno: -32, syscall: "write" }),
      // The server ended the session (an administrator's pg_terminate_backend, a shutdown): COMMIT may have been applied.
      () => serverError("57P01", "FATAL"),
      () => serverError("08006"),
      // A PANIC after the commit record was written, an I/O error at commit: neither proves a rollback.
      () => serverError("XX000", "PANIC"),
      () => serverError("58030"),
      () => serverError("XX000"),
    ]) {
      const t = table({ poison: 2, error, rolledBack: false });
      const settled = await Promise.allSettled([t.commit.submit(1), t.commit.submit(2), t.commit.submit(3)]);
      expect(t.runs).toEqual([[1, 2, 3]]);
      expect(t.stored).toEqual([1, 2, 3]);
      for (const s of settled) {
        expect(s.status).toBe("rejected");
        expect(s.status === "rejected" ? s.reason : undefined).toMatchObject({
          code: "unavailable",
          status: 503,
          message: expect.stringMatching(/^The outcome of this request is unknown/),
        });
      }
      expect(t.unknown).toEqual([3]);
    }
  });

  it("answers a lone item whose connection was lost with the same 503, and one the server refused with its error", async () => {
    const lost = new GroupCommit<number, number>({
      run: async () => {
        throw connectionLost();
      },
    });
    await expect(lost.submit(1)).rejects.toMatchObject({ code: "unavailable", status: 503 });
    const refused = serverError("23505");
    const failing = new GroupCommit<number, number>({
      run: async () => {
        throw refused;
      },
    });
    await expect(failing.submit(1)).rejects.toBe(refused);
  });
});

/**
 * How the next send batch's insert fails, once: `answer_lost`, the database commits it and the answer never
 * arrives (a dropped connection); `server_error`, the server refuses a statement after the insert, so the
 * transaction rolls back (a real driver error, SQLSTATE 22012). `inserts` counts the inserting statements.
 */
let failNext: "answer_lost" | "server_error" | undefined;
let inserts = 0;
const INSERT = "assent_accept_messages(";

/** Route the database's statements through `failNext` (Postgres: each pooled client as it is checked out). */
function injectFailures(s: TTestServer): void {
  const client: unknown = (s.ctx.db as unknown as { $client: unknown }).$client;
  if (s.ctx.database.kind === "postgres") {
    const pool = client as pg.Pool;
    const wrapped = new WeakSet<pg.PoolClient>();
    pool.on("acquire", (c) => {
      if (wrapped.has(c)) return;
      wrapped.add(c);
      const query = c.query.bind(c) as (...a: unknown[]) => Promise<unknown>;
      (c as unknown as { query: (...a: unknown[]) => Promise<unknown> }).query = async (...a: unknown[]) => {
        const [text] = a;
        if (typeof text !== "string" || !text.includes(INSERT)) return query(...a);
        inserts += 1;
        const how = failNext;
        failNext = undefined;
        if (how === undefined) return query(...a);
        // The batch's insert travels with COMMIT (commitWith): one simple-protocol message.
        if (!text.endsWith(";\ncommit")) throw new Error("test: the insert did not travel with COMMIT");
        if (how === "server_error") return query(`${text.slice(0, -"commit".length)}select 1/0;\ncommit`);
        await query(...a);
        throw connectionLost();
      };
    });
    return;
  }
  const lite = client as PGlite;
  const transaction = lite.transaction.bind(lite);
  lite.transaction = async <T>(callback: (tx: Transaction) => Promise<T>): Promise<T> => {
    let lost = false;
    const result = await transaction(async (tx) => {
      const query = tx.query.bind(tx);
      tx.query = async <R>(text: string, params?: unknown[], options?: QueryOptions) => {
        if (!text.includes(INSERT)) return query<R>(text, params, options);
        inserts += 1;
        const how = failNext;
        failNext = undefined;
        const answer = await query<R>(text, params, options);
        if (how === "server_error") await query("select 1/0");
        if (how === "answer_lost") lost = true;
        return answer;
      };
      return callback(tx);
    });
    // Committed by now: only its answer is "lost".
    if (lost) throw connectionLost();
    return result;
  };
}

describe("the send batcher when a batch's commit fails", () => {
  let s: TTestServer;
  let f: TMessagingFixture;
  beforeAll(async () => {
    s = await messagingTestServer();
    f = await messagingFixture(s);
    await f.sender();
    injectFailures(s);
  });
  afterAll(async () => s.close());

  /** Three sends submitted in one event-loop turn: one batch. */
  const three = (tag: string) =>
    [1, 2, 3].map((n) =>
      getSendBatcher(s.ctx).submit(
        prepareSendWork({
          workspaceId: f.workspaceId,
          actor: testActor,
          request: {
            to: `+3361234${tag}${n}`,
            channel: "sandbox",
            brandId: f.brandId,
            category: "transactional",
            body: `Batch ${tag}, ${n}`,
          },
        }),
      ),
    );

  it("a batch whose COMMIT answer was lost is stored once, never again, and its requests are answered 503", async () => {
    const before = await f.count();
    inserts = 0;
    failNext = "answer_lost";
    const settled = await Promise.allSettled(three("560"));
    expect(failNext).toBeUndefined();
    expect(inserts).toBe(1);
    expect(settled.map((x) => x.status)).toEqual(["rejected", "rejected", "rejected"]);
    for (const x of settled)
      expect(x.status === "rejected" ? x.reason : undefined).toMatchObject({
        code: "unavailable",
        status: 503,
      });
    // Committed once: retrying each request alone would have stored three more.
    expect(await f.count()).toBe(before + 3);
  });

  it("a batch the server refused (rolled back) is retried one request at a time: each stored once, answered", async () => {
    const before = await f.count();
    inserts = 0;
    failNext = "server_error";
    const answers = await Promise.all(three("570"));
    expect(failNext).toBeUndefined();
    // The batch, then each request alone.
    expect(inserts).toBe(4);
    expect(answers.map((a) => a.status)).toEqual(["queued", "queued", "queued"]);
    expect(new Set(answers.map((a) => a.id)).size).toBe(3);
    expect(await f.count()).toBe(before + 3);
  });
});
