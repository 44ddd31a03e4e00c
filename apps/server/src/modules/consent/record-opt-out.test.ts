import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TTestServer } from "../../../test/server.js";
import { rows, sqlState, withWorkspaceTx } from "../../core/db/tx.js";
import type { TDecision, TDecisionInput } from "./consent.types.js";
import { decide } from "./decide.js";
import { recordOptOut, type TRecordOptOutOptions } from "./record-opt-out.js";
import { consentFixture } from "./testing/consent-fixture.js";

let s: TTestServer;
let f: Awaited<ReturnType<typeof consentFixture>>;
beforeAll(async () => {
  s = await createTestServer();
  f = await consentFixture(s);
});
afterAll(async () => s.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

const input = (contactId: string): TDecisionInput => ({
  workspaceId: f.workspaceId,
  contactId,
  brandId: f.brandA,
  campaignId: null,
  channel: "sms",
  category: "marketing",
  at: new Date(),
});
const optOut = (contactId: string): TRecordOptOutOptions => ({
  workspaceId: f.workspaceId,
  brandId: f.brandA,
  contactId,
  scope: "all",
  channel: "sms",
  evidence: { method: "keyword", matched: "stop", messageId: "msg_in" },
  actor: { type: "contact", id: contactId },
});

describe("opt-outs and dispatch decisions are serialised on the contact's consent head", () => {
  it("an opt-out waits for a dispatch transaction that decided with a share lock", async () => {
    const c = await f.contact();
    await f.grant(c);
    const decided = gate();
    const release = gate();
    const dispatch = withWorkspaceTx(s.ctx.db, f.workspaceId, async (tx) => {
      const d = await decide(tx, input(c), { lock: "share" });
      decided.open();
      await release.wait;
      return d;
    });
    await decided.wait;
    let committed = false;
    const out = withWorkspaceTx(s.ctx.db, f.workspaceId, (tx) => recordOptOut(tx, optOut(c))).then((r) => {
      committed = true;
      return r;
    });
    await sleep(300);
    expect(committed).toBe(false);
    release.open();
    expect((await dispatch).allowed).toBe(true);
    await out;
    expect(committed).toBe(true);
    expect(await f.decide(c)).toMatchObject({ allowed: false, reason: "opted_out" });
  });

  it("a dispatch decision taken while an opt-out is in flight sees the committed opt-out", async () => {
    const c = await f.contact();
    await f.grant(c);
    const locked = gate();
    const release = gate();
    const out = withWorkspaceTx(s.ctx.db, f.workspaceId, async (tx) => {
      const r = await recordOptOut(tx, optOut(c));
      locked.open();
      await release.wait;
      return r;
    });
    await locked.wait;
    let decision: TDecision | undefined;
    const dispatch = withWorkspaceTx(s.ctx.db, f.workspaceId, (tx) =>
      decide(tx, input(c), { lock: "share" }),
    ).then((d) => {
      decision = d;
      return d;
    });
    await sleep(300);
    expect(decision).toBeUndefined();
    release.open();
    const { ledgerEntryId } = await out;
    expect(await dispatch).toEqual({
      allowed: false,
      reason: "opted_out",
      basis: null,
      ledgerEntryIds: [ledgerEntryId],
    });
  });

  it("under a burst of decisions, none returned after the opt-out committed is allowed", async () => {
    const c = await f.contact();
    await f.grant(c);
    let optedOutAt = Number.POSITIVE_INFINITY;
    const results: { startedAt: number; decidedAt: number; allowed: boolean }[] = [];
    // Four dispatchers keep deciding for this contact until two rounds after the opt-out committed.
    const dispatcher = async () => {
      let after = 0;
      while (after < 2) {
        if (performance.now() > optedOutAt) after += 1;
        const startedAt = performance.now();
        await withWorkspaceTx(s.ctx.db, f.workspaceId, async (tx) => {
          const d = await decide(tx, input(c), { lock: "share" });
          results.push({ startedAt, decidedAt: performance.now(), allowed: d.allowed });
          await sleep(2);
        });
      }
    };
    const stop = (async () => {
      await sleep(30);
      await withWorkspaceTx(s.ctx.db, f.workspaceId, (tx) => recordOptOut(tx, optOut(c)));
      optedOutAt = performance.now();
    })();
    await Promise.all([dispatcher(), dispatcher(), dispatcher(), dispatcher(), stop]);
    expect(results.filter((r) => r.allowed && r.decidedAt > optedOutAt)).toEqual([]);
    const later = results.filter((r) => r.startedAt > optedOutAt);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((r) => !r.allowed)).toBe(true);
  });
});

describe("the ledger is append-only", () => {
  it("refuses UPDATE and DELETE, and an opt-out for an unknown contact or brand writes nothing", async () => {
    const c = await f.contact();
    await f.grant(c);
    for (const statement of [
      sql`update consent_ledger set wording = 'forged'`,
      sql`delete from consent_ledger`,
    ]) {
      const error = await withWorkspaceTx(s.ctx.db, f.workspaceId, (tx) => tx.execute(statement)).catch(
        (e: unknown) => e,
      );
      expect(sqlState(error)).toBe("55000");
    }
    await expect(
      withWorkspaceTx(s.ctx.db, f.workspaceId, (tx) =>
        recordOptOut(tx, optOut("ctc_00000000000000000000000000")),
      ),
    ).rejects.toMatchObject({ code: "not_found", field: "contactId" });
    await expect(
      withWorkspaceTx(s.ctx.db, f.workspaceId, (tx) =>
        recordOptOut(tx, { ...optOut(c), brandId: "brd_nope" }),
      ),
    ).rejects.toMatchObject({ code: "not_found", field: "brandId" });
    const n = await withWorkspaceTx(s.ctx.db, f.workspaceId, (tx) =>
      rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from consent_ledger where contact_id = ${c} and kind = 'opt_out'`,
      ),
    );
    expect(n[0]?.n).toBe(0);
  });
});
