import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase, testEngine } from "../../../test/harness.js";
import { recordPoolMessages } from "../../../test/pool-messages.js";
import { beforeCommit, commitWith, rows, type TTx, withSystemTx, withWorkspaceTx } from "./tx.js";

let database: TTestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.close());

interface TSettings {
  who: string;
  workspace: string | null;
  bypass: string | null;
}

const settings = sql`select current_user as who, current_setting('app.workspace_id', true) as workspace,
  current_setting('app.bypass_rls', true) as bypass`;

describe("withWorkspaceTx / withSystemTx", () => {
  it("run as assent_app with the workspace set, whatever characters its id has", async () => {
    for (const id of ["ws_plain", "ws_'quote", "ws_\\backslash'\\'", "ws_ünïcode"]) {
      const [s] = await withWorkspaceTx(database.db, id, (tx) => rows<TSettings>(tx, settings));
      expect(s?.who).toBe("assent_app");
      expect(s?.workspace).toBe(id);
      expect(s?.bypass ?? "").toBe("");
    }
    const [s] = await withSystemTx(database.db, (tx) => rows<TSettings>(tx, settings));
    expect(s?.who).toBe("assent_app");
    expect(s?.bypass).toBe("on");
    expect(s?.workspace ?? "").toBe("");
  });

  it("commit the work, run commit hooks, roll back on a throw and leave no setting behind", async () => {
    await database.exec(
      "create table tx_probe (n int primary key); grant select, insert on tx_probe to assent_app",
    );
    await withSystemTx(database.db, async (tx) => {
      await tx.execute(sql`insert into tx_probe values (1)`);
      expect(
        beforeCommit(tx, () => tx.execute(sql`insert into tx_probe values (2)`).then(() => undefined)),
      ).toBe(true);
    });
    await expect(
      withWorkspaceTx(database.db, "ws_rolled_back", async (tx) => {
        await tx.execute(sql`insert into tx_probe values (3)`);
        throw new Error("stop");
      }),
    ).rejects.toThrow("stop");
    // A failed statement aborts the transaction: it is rolled back and the connection stays usable.
    await expect(
      withSystemTx(database.db, (tx) => tx.execute(sql`insert into tx_probe values (1)`)),
    ).rejects.toThrow();
    const found = await withSystemTx(database.db, (tx) =>
      rows<{ n: number }>(tx, sql`select n from tx_probe order by n`),
    );
    expect(found.map((r) => r.n)).toEqual([1, 2]);
    // Settings are local to each transaction: outside of one, nothing is left on any pooled connection.
    for (let i = 0; i < 12; i++) {
      const [s] = await database.db.transaction((tx) => rows<TSettings>(tx, settings));
      expect(s?.who).not.toBe("assent_app");
      expect(s?.workspace ?? "").toBe("");
      expect(s?.bypass ?? "").toBe("");
    }
  });

  it("nest savepoints inside them", async () => {
    const n = await withWorkspaceTx(database.db, "ws_nested", async (tx) => {
      await expect(
        tx.transaction(async (inner) => {
          await inner.execute(sql`select 1`);
          throw new Error("inner");
        }),
      ).rejects.toThrow("inner");
      const [s] = await rows<TSettings>(tx, settings);
      return s?.workspace;
    });
    expect(n).toBe("ws_nested");
  });

  it("commitWith: the last statement commits with its parameters intact, after the commit hooks", async () => {
    await database.exec(
      "create table tx_last (n int primary key, t text, a text[]); grant select, insert on tx_last to assent_app",
    );
    const texts = [
      "plain",
      "it's",
      "back\\slash \\' end",
      "$a$ $a0$ $$ dollar",
      "ends in $a",
      "$a0",
      "ünï 中文 🙂",
      "",
    ];
    const arrays = [["a", 'quo"te', "back\\slash", "{brace,comma}", "NULL", "", "$a$", "$a"], []];
    let n = 0;
    for (const t of texts) {
      for (const a of arrays) {
        n += 1;
        const k = n;
        const answered = await withWorkspaceTx(database.db, "ws_last", async (tx) => {
          beforeCommit(tx, () =>
            tx.execute(sql`insert into tx_last (n, t) values (${-k}, 'hook')`).then(() => undefined),
          );
          return commitWith<{ n: number; t: string; a: string[] }>(
            tx,
            sql`insert into tx_last (n, t, a) values (${k}::int, ${t}::text, ${sql.param(a)}::text[])
              returning n, t, a`,
          );
        });
        expect(answered).toEqual([{ n: k, t, a }]);
      }
    }
    const stored = await withSystemTx(database.db, (tx) =>
      rows<{ n: number; t: string; a: string[] | null }>(tx, sql`select n, t, a from tx_last order by n`),
    );
    expect(stored.filter((r) => r.n > 0)).toHaveLength(n);
    expect(stored.filter((r) => r.n < 0 && r.t === "hook")).toHaveLength(n);
    expect(stored.find((r) => r.n === 6)).toEqual({ n: 6, t: "back\\slash \\' end", a: [] });
  });

  it("commitWith: a failing last statement leaves nothing written and the connection usable", async () => {
    await expect(
      withSystemTx(database.db, async (tx) => {
        await tx.execute(sql`insert into tx_last (n, t) values (1000, 'before')`);
        return commitWith(tx, sql`insert into tx_last (n, t) values (${1}::int, ${"duplicate key"}::text)`);
      }),
    ).rejects.toThrow();
    const found = await withSystemTx(database.db, (tx) =>
      rows<{ n: number }>(tx, sql`select n from tx_last where n = 1000 or t = 'duplicate key'`),
    );
    expect(found).toEqual([]);
    for (let i = 0; i < 12; i++) {
      const [s] = await database.db.transaction((tx) => rows<TSettings>(tx, settings));
      expect(s?.who).not.toBe("assent_app");
      expect(s?.bypass ?? "").toBe("");
    }
  });

  it.runIf(testEngine === "postgres")(
    "Postgres: BEGIN travels with the first statement; a lone commitWith is one round trip",
    async () => {
      // Every message the helpers send on a pooled connection, as the server receives it.
      const recorder = recordPoolMessages(database.db);
      const { sent } = recorder;
      try {
        const answered = await withWorkspaceTx(database.db, "ws_'one", (tx) =>
          commitWith<TSettings & { n: number }>(
            tx,
            sql`insert into tx_last (n, t) values (${2000}::int, ${"one trip"}::text)
              returning n, current_user as who, current_setting('app.workspace_id', true) as workspace,
                current_setting('app.bypass_rls', true) as bypass`,
          ),
        );
        expect(answered.map((r) => ({ ...r, bypass: r.bypass ?? "" }))).toEqual([
          { n: 2000, who: "assent_app", workspace: "ws_'one", bypass: "" },
        ]);
        expect(sent).toHaveLength(1);
        expect(sent[0]).toMatch(
          /^begin; select set_config\('role'[\s\S]*insert into tx_last[\s\S]*;\ncommit$/,
        );

        // Nothing run, nothing sent (not even BEGIN or COMMIT); a throw before any statement likewise.
        sent.length = 0;
        expect(await withSystemTx(database.db, async () => "idle")).toBe("idle");
        await expect(
          withSystemTx(database.db, async () => {
            throw new Error("before any statement");
          }),
        ).rejects.toThrow("before any statement");
        expect(sent).toEqual([]);

        // A statement of drizzle's first: BEGIN (with the settings) alone, then the statement, then COMMIT.
        const [s] = await withSystemTx(database.db, (tx) => rows<TSettings>(tx, settings));
        expect({ ...s, workspace: s?.workspace ?? "" }).toEqual({
          who: "assent_app",
          workspace: "",
          bypass: "on",
        });
        expect(sent).toHaveLength(3);
        expect(sent[0]).toMatch(
          /^begin; select set_config\('role', 'assent_app', true\), set_config\('app.bypass_rls'/,
        );
        expect(sent[2]).toBe("commit");

        // A lone commitWith that fails (duplicate key) rolls back: nothing written, nothing left set.
        sent.length = 0;
        await expect(
          withSystemTx(database.db, (tx) =>
            commitWith(tx, sql`insert into tx_last (n, t) values (${2000}::int, ${"again"}::text)`),
          ),
        ).rejects.toThrow();
        expect(sent).toEqual([expect.stringMatching(/^begin; /), "rollback"]);
        const found = await withSystemTx(database.db, (tx) =>
          rows<{ t: string }>(tx, sql`select t from tx_last where n = 2000`),
        );
        expect(found).toEqual([{ t: "one trip" }]);
      } finally {
        recorder.stop();
      }

      // A first statement issued without waiting, then a throw: the statement still runs inside the
      // transaction, in order, and is rolled back with it.
      await expect(
        withWorkspaceTx(database.db, "ws_parallel", async (tx) => {
          await Promise.all([
            tx.execute(sql`insert into tx_last (n, t) values (3001, 'parallel')`),
            Promise.reject(new Error("other branch")),
          ]);
        }),
      ).rejects.toThrow("other branch");
      // Two first statements at once both run in the transaction and commit with it.
      await withWorkspaceTx(database.db, "ws_parallel", (tx) =>
        Promise.all([
          tx.execute(sql`insert into tx_last (n, t) values (3002, current_setting('app.workspace_id'))`),
          tx.execute(sql`insert into tx_last (n, t) values (3003, current_user)`),
        ]),
      );
      const parallel = await withSystemTx(database.db, (tx) =>
        rows<{ n: number; t: string }>(
          tx,
          sql`select n, t from tx_last where n between 3001 and 3003 order by n`,
        ),
      );
      expect(parallel).toEqual([
        { n: 3002, t: "ws_parallel" },
        { n: 3003, t: "assent_app" },
      ]);

      // A transaction used after it ended refuses statements (they would run outside it, as the login role,
      // or inside whichever caller has the connection by then): after the helper returned, begun or not,
      // and after commitWith.
      let idle: TTx | undefined;
      await withSystemTx(database.db, async (tx) => {
        idle = tx;
      });
      let used: TTx | undefined;
      await withSystemTx(database.db, async (tx) => {
        used = tx;
        await tx.execute(sql`select 1`);
      });
      for (const late of [idle, used]) {
        if (!late) throw new Error("no transaction captured");
        await expect(
          late.execute(sql`insert into tx_last (n, t) values (3004, 'late')`),
        ).rejects.toMatchObject({
          cause: { message: "the transaction has ended: no more statements" },
        });
      }
      await expect(
        withSystemTx(database.db, async (tx) => {
          await commitWith(tx, sql`insert into tx_last (n, t) values (${3005}::int, ${"committed"}::text)`);
          await tx.execute(sql`insert into tx_last (n, t) values (3006, 'after commit')`);
        }),
      ).rejects.toMatchObject({ cause: { message: "the transaction has ended: no more statements" } });
      const late = await withSystemTx(database.db, (tx) =>
        rows<{ n: number }>(tx, sql`select n from tx_last where n between 3004 and 3006 order by n`),
      );
      expect(late).toEqual([{ n: 3005 }]);
      for (let i = 0; i < 12; i++) {
        const [s] = await database.db.transaction((tx) => rows<TSettings>(tx, settings));
        expect(s?.who).not.toBe("assent_app");
        expect(s?.bypass ?? "").toBe("");
      }
    },
  );
});
