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
/** A second workspace: the same operations there must never show in the first one, nor the reverse. */
let g: Awaited<ReturnType<typeof consentFixture>>;
beforeAll(async () => {
  s = await createTestServer();
  f = await consentFixture(s);
  g = await consentFixture(s);
});
afterAll(async () => s.close());

type TWs = 0 | 1;
type TOp =
  | {
      op: "grant";
      ws: TWs;
      brand: 0 | 1;
      category: TCategory;
      channels: ("sms" | "whatsapp")[];
      pending: boolean;
    }
  | { op: "confirm"; ws: TWs; brand: 0 | 1; channel: "sms" | "whatsapp" }
  | { op: "withdraw"; ws: TWs; pick: number }
  | { op: "optOut"; ws: TWs; brand: 0 | 1; scope: "all" | "marketing" }
  | { op: "optIn"; ws: TWs; brand: 0 | 1 };

const ws = fc.constantFrom<TWs>(0, 1);
const brand = fc.constantFrom<0 | 1>(0, 1);
const channel = fc.constantFrom<"sms" | "whatsapp">("sms", "whatsapp");
const opArb: fc.Arbitrary<TOp> = fc.oneof(
  fc.record({
    op: fc.constant("grant" as const),
    ws,
    brand,
    category: fc.constantFrom<TCategory>("marketing", "transactional"),
    channels: fc.uniqueArray(channel, { minLength: 1, maxLength: 2 }),
    pending: fc.boolean(),
  }),
  fc.record({ op: fc.constant("confirm" as const), ws, brand, channel }),
  fc.record({ op: fc.constant("withdraw" as const), ws, pick: fc.nat() }),
  fc.record({
    op: fc.constant("optOut" as const),
    ws,
    brand,
    scope: fc.constantFrom<"all" | "marketing">("all", "marketing"),
  }),
  fc.record({ op: fc.constant("optIn" as const), ws, brand }),
);

const everyChannel = ["sms", "whatsapp", "telegram"] as const;
/** Every (brand, category, channel) input of one contact, asked in workspace `workspaceId`. */
const inputsFor = (workspaceId: string, contactId: string, brands: readonly string[], at: Date) =>
  brands.flatMap((brandId) =>
    (["marketing", "transactional"] as const).flatMap((category) =>
      everyChannel.map((ch) => ({
        workspaceId,
        contactId,
        brandId,
        campaignId: null,
        channel: ch,
        category,
        at,
      })),
    ),
  );

describe("the consent projection", () => {
  it("equals the fold of the ledger, and decisions agree with the fold, after any sequence of operations in two workspaces", async () => {
    const fixtures = [f, g] as const;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
        // One new contact per workspace; brand 0 and 1 of each workspace.
        const contacts = [await f.contact(), await g.contact()] as const;
        const brands = [
          [f.brandA, f.brandB],
          [g.brandA, g.brandB],
        ] as const;
        const grants: [string[], string[]] = [[], []];
        const optedOutAll = [
          [false, false],
          [false, false],
        ];
        for (const o of ops) {
          const x = fixtures[o.ws];
          const c = contacts[o.ws];
          if (o.op === "grant") {
            const made = await x.grant(c, {
              brandId: brands[o.ws][o.brand],
              category: o.category,
              channels: o.channels,
              ...(o.pending ? { doubleOptIn: { windowHours: 48 } } : {}),
            });
            grants[o.ws].push(made.id);
          } else if (o.op === "confirm") {
            await x.tx((t) =>
              confirmDoubleOptIn(t, {
                workspaceId: x.workspaceId,
                brandId: brands[o.ws][o.brand],
                contactId: c,
                channel: o.channel,
                actor: api,
              }),
            );
          } else if (o.op === "withdraw" && grants[o.ws].length > 0) {
            const list = grants[o.ws];
            const grantId = list[o.pick % list.length] ?? "";
            await x.tx((t) =>
              withdrawConsent(t, { workspaceId: x.workspaceId, grantId, method: "api", actor: api }),
            );
          } else if (o.op === "optOut") {
            await x.tx((t) =>
              recordOptOut(t, {
                workspaceId: x.workspaceId,
                brandId: brands[o.ws][o.brand],
                contactId: c,
                scope: o.scope,
                channel: "sms",
                evidence: { method: "keyword" },
                actor: api,
              }),
            );
            if (o.scope === "all") (optedOutAll[o.ws] as boolean[])[o.brand] = true;
          } else if (o.op === "optIn") {
            await x.tx((t) =>
              recordOptIn(t, {
                workspaceId: x.workspaceId,
                brandId: brands[o.ws][o.brand],
                contactId: c,
                channel: "sms",
                evidence: { method: "keyword" },
                actor: api,
              }),
            );
            (optedOutAll[o.ws] as boolean[])[o.brand] = false;
          }
        }
        const at = new Date();
        const perWorkspace = [];
        for (const w of [0, 1] as const) {
          const x = fixtures[w];
          const c = contacts[w];
          const inputs = inputsFor(x.workspaceId, c, brands[w], at);
          const [decided, entries] = await x.tx(
            async (t) =>
              [
                await decideMany(t, inputs, { lock: "share" }),
                await listLedgerEntries(t, { workspaceId: x.workspaceId, contactId: c, limit: 1000 }),
              ] as const,
          );
          // The ledger holds this workspace's own entries only.
          for (const e of entries) {
            expect(e.workspaceId).toBe(x.workspaceId);
            expect(brands[w]).toContain(e.brandId);
          }
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
              grants: [...folded.grants.values()].filter((gr) => gr.brandId === input.brandId),
              campaign: undefined,
            });
            expect(decided[i]).toEqual(expected);
            // An independent reading of the ops: an opt-out of everything not lifted by START refuses every send.
            expect(decided[i]?.reason === "opted_out").toBe(
              optedOutAll[w]?.[brands[w].indexOf(input.brandId as (typeof brands)[typeof w][number])],
            );
          });
          perWorkspace.push({ inputs, decided });
        }

        // The other workspace's contact and brands, asked for by their exact ids from inside a workspace: its
        // consent covers nothing here (a transactional send too is refused: no such contact or brand here).
        for (const w of [0, 1] as const) {
          const x = fixtures[w];
          const o = (1 - w) as TWs;
          const foreign = inputsFor(x.workspaceId, contacts[o], brands[o], at);
          const decided = await x.tx((t) => decideMany(t, foreign, { lock: "none" }));
          for (const d of decided)
            expect(d).toEqual({ allowed: false, reason: "consent_missing", basis: null, ledgerEntryIds: [] });
          const mixed = inputsFor(x.workspaceId, contacts[w], brands[o], at);
          for (const d of await x.tx((t) => decideMany(t, mixed, { lock: "none" })))
            expect(d).toEqual({ allowed: false, reason: "consent_missing", basis: null, ledgerEntryIds: [] });
        }
        // One system-wide batch over both workspaces (as a dispatcher may decide) gives the same answers.
        const all = [...(perWorkspace[0]?.inputs ?? []), ...(perWorkspace[1]?.inputs ?? [])];
        const together = await withSystemTx(s.ctx.db, (t) => decideMany(t, all, { lock: "none" }));
        expect(together).toEqual([...(perWorkspace[0]?.decided ?? []), ...(perWorkspace[1]?.decided ?? [])]);
      }),
      { numRuns: 25 },
    );
    let contacts = 0;
    for (const x of [f, g]) {
      const verified = await verifyConsent(s.ctx.db, { workspaceId: x.workspaceId, pageSize: 7 });
      expect(verified.problems).toEqual([]);
      expect(verified.ok).toBe(true);
      contacts += verified.contacts;
    }
    expect(contacts).toBeGreaterThan(20);
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
