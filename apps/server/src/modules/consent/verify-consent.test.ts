import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestServer, type TTestServer } from "../../../test/server.js";
import { rows, withSystemTx } from "../../core/db/tx.js";
import { confirmDoubleOptIn } from "./confirm-double-opt-in.js";
import type { TCategory } from "./consent.types.js";
import { consentCommand } from "./consent-command.js";
import { decideMany } from "./decide-many.js";
import { evaluateDecision } from "./evaluate-decision.js";
import { exportConsentProof } from "./export-consent-proof.js";
import { foldLedger } from "./fold-ledger.js";
import { listLedgerEntries } from "./list-ledger-entries.js";
import { recordOptIn } from "./record-opt-in.js";
import { recordOptOut } from "./record-opt-out.js";
import { api, consentFixture } from "./testing/consent-fixture.js";
import { verifyConsent } from "./verify-consent.js";
import { withdrawConsent } from "./withdraw-consent.js";

let s: TTestServer;
let f: Awaited<ReturnType<typeof consentFixture>>;
beforeAll(async () => {
  s = await createTestServer();
  f = await consentFixture(s);
});
afterAll(async () => s.close());

type TOp =
  | { op: "grant"; brand: 0 | 1; category: TCategory; channels: ("sms" | "whatsapp")[]; pending: boolean }
  | { op: "confirm"; brand: 0 | 1; channel: "sms" | "whatsapp" }
  | { op: "withdraw"; pick: number }
  | { op: "optOut"; brand: 0 | 1; scope: "all" | "marketing" }
  | { op: "optIn"; brand: 0 | 1 };

const brand = fc.constantFrom<0 | 1>(0, 1);
const channel = fc.constantFrom<"sms" | "whatsapp">("sms", "whatsapp");
const opArb: fc.Arbitrary<TOp> = fc.oneof(
  fc.record({
    op: fc.constant("grant" as const),
    brand,
    category: fc.constantFrom<TCategory>("marketing", "transactional"),
    channels: fc.uniqueArray(channel, { minLength: 1, maxLength: 2 }),
    pending: fc.boolean(),
  }),
  fc.record({ op: fc.constant("confirm" as const), brand, channel }),
  fc.record({ op: fc.constant("withdraw" as const), pick: fc.nat() }),
  fc.record({
    op: fc.constant("optOut" as const),
    brand,
    scope: fc.constantFrom<"all" | "marketing">("all", "marketing"),
  }),
  fc.record({ op: fc.constant("optIn" as const), brand }),
);

describe("the consent projection", () => {
  it("equals the fold of the ledger, and decisions agree with the fold, after any sequence of operations", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 10 }), async (ops) => {
        const c = await f.contact();
        const brands = [f.brandA, f.brandB] as const;
        const grants: string[] = [];
        const optedOutAll = [false, false];
        for (const o of ops) {
          if (o.op === "grant") {
            const g = await f.grant(c, {
              brandId: brands[o.brand],
              category: o.category,
              channels: o.channels,
              ...(o.pending ? { doubleOptIn: { windowHours: 48 } } : {}),
            });
            grants.push(g.id);
          } else if (o.op === "confirm") {
            await f.tx((t) =>
              confirmDoubleOptIn(t, {
                workspaceId: f.workspaceId,
                brandId: brands[o.brand],
                contactId: c,
                channel: o.channel,
                actor: api,
              }),
            );
          } else if (o.op === "withdraw" && grants.length > 0) {
            const grantId = grants[o.pick % grants.length] ?? "";
            await f.tx((t) =>
              withdrawConsent(t, { workspaceId: f.workspaceId, grantId, method: "api", actor: api }),
            );
          } else if (o.op === "optOut") {
            await f.tx((t) =>
              recordOptOut(t, {
                workspaceId: f.workspaceId,
                brandId: brands[o.brand],
                contactId: c,
                scope: o.scope,
                channel: "sms",
                evidence: { method: "keyword" },
                actor: api,
              }),
            );
            if (o.scope === "all") optedOutAll[o.brand] = true;
          } else if (o.op === "optIn") {
            await f.tx((t) =>
              recordOptIn(t, {
                workspaceId: f.workspaceId,
                brandId: brands[o.brand],
                contactId: c,
                channel: "sms",
                evidence: { method: "keyword" },
                actor: api,
              }),
            );
            optedOutAll[o.brand] = false;
          }
        }
        const at = new Date();
        const inputs = brands.flatMap((brandId) =>
          (["marketing", "transactional"] as const).flatMap((category) =>
            (["sms", "whatsapp", "telegram"] as const).map((ch) => ({
              workspaceId: f.workspaceId,
              contactId: c,
              brandId,
              campaignId: null,
              channel: ch,
              category,
              at,
            })),
          ),
        );
        const [decided, entries] = await f.tx(
          async (t) =>
            [
              await decideMany(t, inputs, { lock: "share" }),
              await listLedgerEntries(t, { workspaceId: f.workspaceId, contactId: c, limit: 1000 }),
            ] as const,
        );
        const folded = foldLedger(entries);
        inputs.forEach((input, i) => {
          const expected = evaluateDecision(input, {
            contact: {
              erasedAt: null,
              restrictedAt: null,
              minor: false,
              minorUntil: null,
              timeZone: null,
              phoneTimeZone: "Europe/Paris",
              country: "FR",
              region: null,
            },
            brandFound: true,
            quietHours: null,
            suppression: folded.suppressions.get(input.brandId) ?? null,
            grants: [...folded.grants.values()].filter((g) => g.brandId === input.brandId),
            campaign: undefined,
          });
          expect(decided[i]).toEqual(expected);
          // An independent reading of the ops: an opt-out of everything not lifted by START refuses every send.
          expect(decided[i]?.reason === "opted_out").toBe(
            optedOutAll[brands.indexOf(input.brandId as (typeof brands)[number])],
          );
        });
      }),
      { numRuns: 25 },
    );
    const verified = await verifyConsent(s.ctx.db, { workspaceId: f.workspaceId, pageSize: 7 });
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
    expect(verified.contacts).toBeGreaterThan(20);
  });

  it("catches a tampered projection or ledger entry", async () => {
    const other = await consentFixture(s);
    const c = await other.contact();
    const g = await other.grant(c);
    await other.tx((t) =>
      withdrawConsent(t, { workspaceId: other.workspaceId, grantId: g.id, method: "api", actor: api }),
    );
    expect((await verifyConsent(s.ctx.db, { workspaceId: other.workspaceId })).ok).toBe(true);

    await withSystemTx(s.ctx.db, (t) =>
      t.execute(sql`update consent_grants set status = 'active' where id = ${g.id}`),
    );
    const projection = await verifyConsent(s.ctx.db, { workspaceId: other.workspaceId });
    expect(projection.ok).toBe(false);
    expect(projection.problems.map((p) => p.contactId)).toContain(c);
    await withSystemTx(s.ctx.db, (t) =>
      t.execute(sql`update consent_grants set status = 'withdrawn' where id = ${g.id}`),
    );

    // Only the table owner can lift the append-only trigger; the check still sees the forged wording.
    await s.database.exec("alter table consent_ledger disable trigger append_only");
    await s.database.exec(`update consent_ledger set wording = 'forged' where id = '${g.id}'`);
    await s.database.exec("alter table consent_ledger enable trigger append_only");
    const forged = await verifyConsent(s.ctx.db, { workspaceId: other.workspaceId });
    expect(forged.problems.some((p) => p.problem.includes(`entry ${g.id}: hash`))).toBe(true);
    // Everyone else's ledger still checks out.
    expect((await verifyConsent(s.ctx.db, { workspaceId: f.workspaceId })).ok).toBe(true);
  });

  it("runs as `assent consent verify`, printing JSON and failing on a bad usage", async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const errors = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const before = process.exitCode;
    try {
      await consentCommand.run(["verify", "--workspace", f.workspaceId], s.ctx);
      expect(JSON.parse(out.join(""))).toMatchObject({ ok: true, problems: [] });
      expect(process.exitCode).toBe(before);
      await consentCommand.run(["check"], s.ctx);
      expect(process.exitCode).toBe(2);
    } finally {
      process.exitCode = before;
      spy.mockRestore();
      errors.mockRestore();
    }
  });

  it("exports a proof with decrypted evidence, a verified chain and only the brand asked for", async () => {
    const c = await f.contact();
    const g = await f.grant(c, {
      evidence: {
        method: "web_form",
        source: "checkout",
        wording: "Text me deals",
        ip: "203.0.113.7",
        userAgent: "Mozilla/5.0 test",
      },
    });
    await f.grant(c, { brandId: f.brandB });
    const raw = await withSystemTx(s.ctx.db, (t) =>
      rows<Record<string, unknown>>(t, sql`select * from consent_ledger where id = ${g.id}`),
    );
    expect(JSON.stringify(raw)).not.toContain("203.0.113.7");
    const proof = await f.tx((t) =>
      exportConsentProof(t, f.keys, {
        workspaceId: f.workspaceId,
        contactId: c,
        brandId: f.brandA,
        at: new Date(),
      }),
    );
    expect(proof.chain).toMatchObject({ verified: true, entries: 2, problems: [] });
    expect(proof.entries).toHaveLength(1);
    expect(proof.entries[0]).toMatchObject({
      id: g.id,
      ip: "203.0.113.7",
      userAgent: "Mozilla/5.0 test",
      wording: "Text me deals",
      brandId: f.brandA,
    });
    expect(proof.state.grants.map((x) => x.id)).toEqual([g.id]);
    expect(proof.contact.identities[0]?.address).toMatch(/^\+33/);
  });
});
