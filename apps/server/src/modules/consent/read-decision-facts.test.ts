import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEngine } from "../../../test/harness.js";
import { createTestServer, type TTestServer } from "../../../test/server.js";
import { GENESIS_HASH } from "../../core/audit.js";
import { rows, sqlState, withWorkspaceTx } from "../../core/db/tx.js";
import { keyOf, readDecisionFacts } from "./read-decision-facts.js";
import { consentFixture } from "./testing/consent-fixture.js";

let s: TTestServer;
let f: Awaited<ReturnType<typeof consentFixture>>;
beforeAll(async () => {
  s = await createTestServer();
  f = await consentFixture(s);
});
afterAll(async () => s.close());

const heads = (contactIds: string[]) =>
  f.tx((t) =>
    rows<{ contact_id: string; seq: number; hash: string }>(
      t,
      sql`select contact_id, seq, hash from consent_heads
        where contact_id = any(${sql.param(contactIds)}::text[]) order by contact_id`,
    ),
  );

describe("readDecisionFacts", () => {
  it("reads the same facts with and without locks, once per distinct triple", async () => {
    const c = await f.contact();
    const g = await f.grant(c);
    const triple = { workspaceId: f.workspaceId, contactId: c, brandId: f.brandA };
    const other = { ...triple, brandId: f.brandB };
    const missing = { ...triple, contactId: "ctc_missing" };
    for (const lock of ["share", "none"] as const) {
      const facts = await f.tx((t) => readDecisionFacts(t, [triple, triple, other, missing], { lock }));
      expect([...facts.keys()].sort()).toEqual(
        [
          keyOf(f.workspaceId, c, f.brandA),
          keyOf(f.workspaceId, c, f.brandB),
          keyOf(f.workspaceId, "ctc_missing", f.brandA),
        ].sort(),
      );
      const mine = facts.get(keyOf(f.workspaceId, c, f.brandA));
      expect(mine?.contact).not.toBeNull();
      expect(mine?.brandFound).toBe(true);
      expect(mine?.grants.map((x) => x.id)).toEqual([g.id]);
      expect(facts.get(keyOf(f.workspaceId, c, f.brandB))?.grants).toEqual([]);
      expect(facts.get(keyOf(f.workspaceId, "ctc_missing", f.brandA))).toMatchObject({
        contact: null,
        grants: [],
      });
    }
    expect(await f.tx((t) => readDecisionFacts(t, [], { lock: "share" }))).toEqual(new Map());
  });

  it("with a share lock, creates the missing consent heads of contacts (and of nothing else)", async () => {
    const a = await f.contact();
    const b = await f.contact();
    expect(await heads([a, b, "ctc_missing"])).toEqual([]);
    await f.tx((t) =>
      readDecisionFacts(
        t,
        [b, a, "ctc_missing"].map((contactId) => ({
          workspaceId: f.workspaceId,
          contactId,
          brandId: f.brandA,
        })),
        { lock: "none" },
      ),
    );
    expect(await heads([a, b])).toEqual([]);
    await f.tx((t) =>
      readDecisionFacts(
        t,
        [b, a, "ctc_missing"].map((contactId) => ({
          workspaceId: f.workspaceId,
          contactId,
          brandId: f.brandA,
        })),
        { lock: "share" },
      ),
    );
    expect(await heads([a, b, "ctc_missing"])).toEqual(
      [a, b].sort().map((contact_id) => ({ contact_id, seq: 0, hash: GENESIS_HASH })),
    );
  });

  it.runIf(testEngine === "postgres")(
    "holds the share lock on existing heads, and the new heads, until the transaction ends",
    async () => {
      const existing = await f.contact();
      await f.grant(existing);
      const fresh = await f.contact();
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked: () => void = () => undefined;
      const lockedNow = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const decision = withWorkspaceTx(s.ctx.db, f.workspaceId, async (tx) => {
        await readDecisionFacts(
          tx,
          [existing, fresh].map((contactId) => ({
            workspaceId: f.workspaceId,
            contactId,
            brandId: f.brandA,
          })),
          { lock: "share" },
        );
        locked();
        await held;
      });
      await lockedNow;
      try {
        const attempt = withWorkspaceTx(s.ctx.db, f.workspaceId, (tx) =>
          tx.execute(sql`select 1 from consent_heads where workspace_id = ${f.workspaceId}
            and contact_id = ${existing} for update nowait`),
        );
        expect(await attempt.then(() => "granted", sqlState)).toBe("55P03");
        // Another share lock is granted at once.
        await withWorkspaceTx(s.ctx.db, f.workspaceId, (tx) =>
          tx.execute(sql`select 1 from consent_heads where workspace_id = ${f.workspaceId}
            and contact_id = ${existing} for share nowait`),
        );
        // The new head is not visible before commit: creating it again waits for the deciding transaction.
        const create = withWorkspaceTx(s.ctx.db, f.workspaceId, async (tx) => {
          await tx.execute(sql`select set_config('lock_timeout', '100ms', true)`);
          await tx.execute(sql`insert into consent_heads (workspace_id, contact_id, seq, hash, updated_at)
            values (${f.workspaceId}, ${fresh}, 0, ${GENESIS_HASH}, now()) on conflict do nothing`);
        });
        expect(await create.then(() => "created", sqlState)).toBe("55P03");
      } finally {
        release();
      }
      await decision;
      await withWorkspaceTx(s.ctx.db, f.workspaceId, (tx) =>
        tx.execute(sql`select 1 from consent_heads where workspace_id = ${f.workspaceId}
          and contact_id = any(${sql.param([existing, fresh])}::text[]) for update nowait`),
      );
    },
  );
});
