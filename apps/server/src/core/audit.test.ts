import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase, testEngine } from "../../test/harness.js";
import { auditAppendStatement, auditCanonical, chainHash, GENESIS_HASH, recordAudit } from "./audit.js";
import { commitWith, rows, withSystemTx, withWorkspaceTx } from "./db/tx.js";

let database: TTestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.close());

const system = { type: "system", id: null } as const;

interface TLogRow {
  seq: string | number;
  id: string;
  at: Date | string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  details: unknown;
  prev_hash: string;
  hash: string;
}

/** Recompute a workspace's chain the way `assent audit verify` does; answers the number of events. */
async function verifyChain(workspaceId: string): Promise<number> {
  const log = await withSystemTx(database.db, (tx) =>
    rows<TLogRow>(tx, sql`select * from audit_log where workspace_id = ${workspaceId} order by seq`),
  );
  const [head] = await withSystemTx(database.db, (tx) =>
    rows<{ seq: string | number; hash: string }>(
      tx,
      sql`select seq, hash from audit_heads where workspace_id = ${workspaceId}`,
    ),
  );
  let prev = GENESIS_HASH;
  log.forEach((r, n) => {
    expect(Number(r.seq)).toBe(n + 1);
    expect(r.prev_hash).toBe(prev);
    const at = r.at instanceof Date ? r.at : new Date(r.at);
    const canonical = auditCanonical({
      seq: Number(r.seq),
      id: r.id,
      at: at.toISOString(),
      actorType: r.actor_type,
      actorId: r.actor_id,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      requestId: r.request_id,
      details: r.details,
    });
    expect(r.hash).toBe(chainHash(prev, canonical));
    prev = r.hash;
  });
  expect(Number(head?.seq ?? 0)).toBe(log.length);
  expect(head?.hash ?? GENESIS_HASH).toBe(prev);
  return log.length;
}

describe("recordAudit", () => {
  it("keeps the canonical text of existing chains", () => {
    const e = {
      seq: 42,
      id: "aud_1",
      at: "2026-01-02T03:04:05.006Z",
      actorType: "user",
      actorId: "usr_1",
      action: "x.y",
      targetType: null,
      targetId: "t",
      requestId: null,
      details: { b: 2, a: "é" },
    };
    expect(auditCanonical(e)).toBe(
      JSON.stringify([42, "aud_1", e.at, "user", "usr_1", "x.y", null, "t", null, { a: "é", b: 2 }]),
    );
  });

  it("writes a transaction's events at commit, chained as verification recomputes them", async () => {
    const ws = "ws_audit_commit";
    await withWorkspaceTx(database.db, ws, async (tx) => {
      await recordAudit(tx, {
        workspaceId: ws,
        actor: system,
        action: "a.one",
        targetType: "t",
        targetId: "1",
      });
      // Nothing is written (nor the head locked) before the commit.
      const during = await rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from audit_log where workspace_id = ${ws}`,
      );
      expect(during[0]?.n).toBe(0);
      await recordAudit(tx, [
        { workspaceId: ws, actor: { type: "user", id: "usr_1" }, action: "a.two", requestId: "req_1" },
        {
          workspaceId: ws,
          actor: system,
          action: "a.three",
          details: { zeta: 1, alpha: "é ü 中文 🙂", flag: true, none: null },
        },
      ]);
    });
    await withWorkspaceTx(database.db, ws, (tx) =>
      recordAudit(tx, { workspaceId: ws, actor: system, action: "a.four" }),
    );
    expect(await verifyChain(ws)).toBe(4);
    const actions = await withSystemTx(database.db, (tx) =>
      rows<{ action: string }>(tx, sql`select action from audit_log where workspace_id = ${ws} order by seq`),
    );
    expect(actions.map((r) => r.action)).toEqual(["a.one", "a.two", "a.three", "a.four"]);
  });

  it("writes nothing when the transaction rolls back", async () => {
    const ws = "ws_audit_rollback";
    await withWorkspaceTx(database.db, ws, (tx) =>
      recordAudit(tx, { workspaceId: ws, actor: system, action: "kept" }),
    );
    await expect(
      withWorkspaceTx(database.db, ws, async (tx) => {
        await recordAudit(tx, { workspaceId: ws, actor: system, action: "lost" });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await verifyChain(ws)).toBe(1);
  });

  it("chains several workspaces from one system transaction, and writes at once outside the helpers", async () => {
    await withSystemTx(database.db, (tx) =>
      recordAudit(tx, [
        { workspaceId: "ws_audit_b", actor: system, action: "x" },
        { workspaceId: "ws_audit_a", actor: system, action: "y" },
        { workspaceId: "ws_audit_b", actor: system, action: "z" },
      ]),
    );
    expect(await verifyChain("ws_audit_a")).toBe(1);
    expect(await verifyChain("ws_audit_b")).toBe(2);
    // A bare transaction (no commit hook): the events are written by the call itself.
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('app.bypass_rls', 'on', true)`);
      await recordAudit(tx, { workspaceId: "ws_audit_a", actor: system, action: "bare" });
      const seen = await rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from audit_log where workspace_id = 'ws_audit_a'`,
      );
      expect(seen[0]?.n).toBe(2);
    });
    expect(await verifyChain("ws_audit_a")).toBe(2);
  });

  it.runIf(testEngine === "postgres")(
    "does not hold the chain head while the transaction is still working",
    async () => {
      const ws = "ws_audit_concurrent";
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let recorded: () => void = () => undefined;
      const first = new Promise<void>((resolve) => {
        recorded = resolve;
      });
      const slow = withWorkspaceTx(database.db, ws, async (tx) => {
        await recordAudit(tx, { workspaceId: ws, actor: system, action: "slow" });
        recorded();
        await held;
      });
      await first;
      // Were the head locked since the slow transaction's recordAudit, this would wait for it and time out.
      await withWorkspaceTx(database.db, ws, async (tx) => {
        await tx.execute(sql`set local lock_timeout = '5s'`);
        await recordAudit(tx, { workspaceId: ws, actor: system, action: "fast" });
      });
      release();
      await slow;
      expect(await verifyChain(ws)).toBe(2);
      const actions = await withSystemTx(database.db, (tx) =>
        rows<{ action: string }>(
          tx,
          sql`select action from audit_log where workspace_id = ${ws} order by seq`,
        ),
      );
      expect(actions.map((r) => r.action)).toEqual(["fast", "slow"]);
    },
  );

  it("appends in a statement that commits, the database checking the events' text", async () => {
    const ws = "ws_audit_checked";
    const events = [
      { workspaceId: ws, actor: system, action: "c.one", details: { text: "é ü 中文 🙂 ' \\ $a$" } },
      { workspaceId: ws, actor: { type: "user", id: "usr_'1" } as const, action: "c.two", requestId: "r" },
    ];
    const statement = auditAppendStatement(ws, events, { checkedByDatabase: true });
    const [head] = await withWorkspaceTx(database.db, ws, (tx) =>
      commitWith<{ start_seq: number; start_hash: string; end_hash: string }>(tx, statement.query),
    );
    statement.verify(head);
    expect(await verifyChain(ws)).toBe(2);
    // Text that reached the database altered (here: hashes of other text) raises, and nothing is written.
    const rests = ['["x"]'];
    await expect(
      withWorkspaceTx(database.db, ws, (tx) =>
        commitWith(
          tx,
          sql`select * from assent_audit_append_checked(${ws}, ${sql.param(["aud_x"])}::text[],
            ${sql.param([new Date().toISOString()])}::text[], ${sql.param(["system"])}::text[],
            ${sql.param([null])}::text[], ${sql.param(["c.three"])}::text[], ${sql.param([null])}::text[],
            ${sql.param([null])}::text[], ${sql.param([null])}::text[], ${sql.param(["{}"])}::text[],
            ${sql.param(rests)}::text[], ${sql.param([chainHash("", '["y"]')])}::text[])`,
        ),
      ),
    ).rejects.toThrow();
    expect(await verifyChain(ws)).toBe(2);
  });
});
