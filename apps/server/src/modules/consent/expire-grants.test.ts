import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { rows, withSystemTx } from "../../core/db/tx.js";
import { confirmConsent } from "./confirm-consent.js";
import type { TLedgerEntry } from "./consent.types.js";
import { consentRecurringJobs, expireGrantsJob } from "./consent-jobs.js";
import { expireGrants } from "./expire-grants.js";
import { listLedgerEntries } from "./list-ledger-entries.js";
import { api, consentFixture } from "./testing/consent-fixture.js";
import { verifyConsent } from "./verify-consent.js";
import { withdrawConsent } from "./withdraw-consent.js";

let s: TTestServer;
let f: Awaited<ReturnType<typeof consentFixture>>;
let other: Awaited<ReturnType<typeof consentFixture>>;
beforeAll(async () => {
  s = await createTestServer();
  f = await consentFixture(s);
  other = await consentFixture(s);
});
afterAll(async () => s.close());

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type TFixture = typeof f;
const ledgerOf = (fx: TFixture, contactId: string): Promise<TLedgerEntry[]> =>
  fx.tx((t) => listLedgerEntries(t, { workspaceId: fx.workspaceId, contactId, limit: 1000 }));
const expiresOf = async (fx: TFixture, contactId: string) =>
  (await ledgerOf(fx, contactId)).filter((e) => e.kind === "expire");

/** A marketing grant given `ageMs` ago that expired `agoMs` ago (a negative `agoMs` expires in the future). */
function grantExpiring(fx: TFixture, contactId: string, o: { ageMs: number; agoMs: number }) {
  const now = Date.now();
  return fx.grant(contactId, {
    at: new Date(now - o.ageMs),
    expiresAt: new Date(now - o.agoMs),
  });
}

/** A double opt-in grant asked for `ageMs` ago with a `windowHours` window, never confirmed. */
function pendingGrant(fx: TFixture, contactId: string, o: { ageMs: number; windowHours: number }) {
  return fx.grant(contactId, {
    at: new Date(Date.now() - o.ageMs),
    doubleOptIn: { windowHours: o.windowHours },
  });
}

describe("the consent expiry sweep", () => {
  it("writes one expire entry at the grant's expiry instant, actor system, and keeps the decision", async () => {
    const c = await f.contact();
    const grant = await grantExpiring(f, c, { ageMs: 30 * DAY, agoMs: 2 * DAY });
    const before = await f.decide(c);
    expect(before.reason).toBe("consent_expired");
    const sweptAt = new Date();
    await expireGrants(s.ctx, { workspaceId: f.workspaceId, at: sweptAt });
    const expires = await expiresOf(f, c);
    expect(expires).toHaveLength(1);
    const [e] = expires;
    expect(e).toMatchObject({
      kind: "expire",
      refId: grant.id,
      brandId: grant.brandId,
      actorType: "system",
      actorId: null,
      evidence: { reason: "expired" },
    });
    expect(e?.effectiveAt.getTime()).toBe(grant.expiresAt?.getTime());
    expect(e?.recordedAt.getTime()).toBe(sweptAt.getTime());
    expect(await f.decide(c)).toEqual(before);
    // The projection names the entry, and the audit log has it, in the same workspace.
    const projected = await f.tx((t) =>
      rows<{ expired_entry_id: string | null; status: string }>(
        t,
        sql`select expired_entry_id, status from consent_grants where id = ${grant.id}`,
      ),
    );
    expect(projected).toEqual([{ expired_entry_id: e?.id ?? "", status: "active" }]);
    const audit = await f.tx((t) =>
      rows<{ actor_type: string; target_id: string; entry: string }>(
        t,
        sql`select actor_type, target_id, details ->> 'entryId' as entry from audit_log
          where workspace_id = ${f.workspaceId} and action = 'consent.expire' and details ->> 'refId' = ${grant.id}`,
      ),
    );
    expect(audit).toEqual([{ actor_type: "system", target_id: c, entry: e?.id ?? "" }]);
  });

  it("writes confirmation_lapsed at the end of the window for a double opt-in never confirmed", async () => {
    const c = await f.contact();
    const grant = await pendingGrant(f, c, { ageMs: 3 * DAY, windowHours: 48 });
    const before = await f.decide(c);
    expect(before.allowed).toBe(false);
    await expireGrants(s.ctx, { workspaceId: f.workspaceId });
    const expires = await expiresOf(f, c);
    expect(expires.map((e) => [e.refId, e.evidence.reason, e.effectiveAt.getTime()])).toEqual([
      [grant.id, "confirmation_lapsed", grant.confirmBy?.getTime()],
    ]);
    expect(await f.decide(c)).toEqual(before);
  });

  it("uses the earlier instant when a pending grant's expiry comes before its window ends", async () => {
    const c = await f.contact();
    const now = Date.now();
    const grant = await f.grant(c, {
      at: new Date(now - 3 * DAY),
      expiresAt: new Date(now - 2 * DAY),
      doubleOptIn: { windowHours: 48 },
    });
    await expireGrants(s.ctx, { workspaceId: f.workspaceId });
    const expires = await expiresOf(f, c);
    expect(expires.map((e) => [e.evidence.reason, e.effectiveAt.getTime()])).toEqual([
      ["expired", grant.expiresAt?.getTime()],
    ]);
  });

  it("leaves live grants, open windows, confirmed and withdrawn grants alone", async () => {
    const c = await f.contact();
    await grantExpiring(f, c, { ageMs: DAY, agoMs: -30 * DAY });
    await f.grant(c, { category: "transactional", basis: "contract" });
    await pendingGrant(f, c, { ageMs: HOUR, windowHours: 48 });
    // Confirmed inside its window, which has since ended: the window no longer matters.
    const confirmed = await pendingGrant(f, c, { ageMs: 3 * DAY, windowHours: 48 });
    await f.tx((t) =>
      confirmConsent(t, {
        workspaceId: f.workspaceId,
        grantId: confirmed.id,
        method: "api",
        actor: api,
        at: new Date(Date.now() - 2 * DAY),
      }),
    );
    // Withdrawn before it expired: the withdrawal ended it.
    const withdrawn = await grantExpiring(f, c, { ageMs: 10 * DAY, agoMs: DAY });
    await f.tx((t) =>
      withdrawConsent(t, {
        workspaceId: f.workspaceId,
        grantId: withdrawn.id,
        method: "api",
        actor: api,
        at: new Date(Date.now() - 5 * DAY),
      }),
    );
    const before = await f.decide(c);
    await expireGrants(s.ctx, {});
    expect(await expiresOf(f, c)).toEqual([]);
    expect(await f.decide(c)).toEqual(before);
  });

  it("adds nothing when run again, or by several workers at once", async () => {
    const contacts: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      const c = await f.contact();
      contacts.push(c);
      await grantExpiring(f, c, { ageMs: 10 * DAY, agoMs: DAY + i * HOUR });
      if (i % 3 === 0) await pendingGrant(f, c, { ageMs: 4 * DAY, windowHours: 24 });
    }
    const count = async () => {
      let n = 0;
      for (const c of contacts) n += (await expiresOf(f, c)).length;
      return n;
    };
    // Small batches, so the workers interleave across many transactions; on Postgres they run on separate
    // connections and meet on the same contacts' heads. None fails: the second one to lock a head finds the
    // grants expired (the unique index behind it would have made it throw).
    const results = await Promise.all(
      [0, 1, 2, 3].map(() => expireGrants(s.ctx, { workspaceId: f.workspaceId, batchSize: 3 })),
    );
    expect(results.reduce((n, r) => n + r.expired, 0)).toBe(16);
    expect(await count()).toBe(16);
    for (const c of contacts) {
      const refs = (await expiresOf(f, c)).map((e) => e.refId);
      expect(new Set(refs).size).toBe(refs.length);
    }
    expect(await expireGrants(s.ctx, { workspaceId: f.workspaceId })).toMatchObject({ expired: 0 });
    expect(await expireGrants(s.ctx, {})).toMatchObject({ expired: 0 });
    expect(await count()).toBe(16);
  });

  it("refuses a second expire entry for one grant in the database itself", async () => {
    const c = await f.contact();
    const grant = await grantExpiring(f, c, { ageMs: 10 * DAY, agoMs: DAY });
    await expireGrants(s.ctx, { workspaceId: f.workspaceId });
    const [e] = await expiresOf(f, c);
    if (!e) throw new Error("no expire entry");
    await expect(
      f.tx((t) =>
        t.execute(sql`insert into consent_ledger (id, workspace_id, contact_id, seq, brand_id, kind, ref_id, method, evidence,
            effective_at, recorded_at, actor_type, prev_hash, hash)
          values ('cns_dup', ${f.workspaceId}, ${c}, ${e.seq + 1}, ${grant.brandId}, 'expire', ${grant.id}, 'expiry', '{}'::jsonb,
            now(), now(), 'system', ${e.hash}, 'x')`),
      ),
    ).rejects.toThrow();
  });

  it("touches only the workspace it is given, and every workspace when none is given", async () => {
    const mine = await f.contact();
    const theirs = await other.contact();
    await grantExpiring(f, mine, { ageMs: 10 * DAY, agoMs: DAY });
    const theirGrant = await grantExpiring(other, theirs, { ageMs: 10 * DAY, agoMs: DAY });
    await expireGrants(s.ctx, { workspaceId: f.workspaceId });
    expect(await expiresOf(f, mine)).toHaveLength(1);
    expect(await expiresOf(other, theirs)).toEqual([]);
    await expireGrants(s.ctx, {});
    const theirExpires = await expiresOf(other, theirs);
    expect(theirExpires.map((e) => [e.workspaceId, e.refId])).toEqual([[other.workspaceId, theirGrant.id]]);
    expect(await expiresOf(f, mine)).toHaveLength(1);
  });

  it("keeps verify clean, and verify notices a projection that forgot an expiry", async () => {
    await expireGrants(s.ctx, {});
    const ok = await verifyConsent(s.ctx.db);
    expect(ok.problems).toEqual([]);
    expect(ok.ok).toBe(true);
    const c = await f.contact();
    const grant = await grantExpiring(f, c, { ageMs: 10 * DAY, agoMs: DAY });
    await expireGrants(s.ctx, { workspaceId: f.workspaceId });
    expect((await verifyConsent(s.ctx.db, { workspaceId: f.workspaceId })).ok).toBe(true);
    await withSystemTx(s.ctx.db, (t) =>
      t.execute(sql`update consent_grants set expired_entry_id = null where id = ${grant.id}`),
    );
    const bad = await verifyConsent(s.ctx.db, { workspaceId: f.workspaceId });
    expect(bad.ok).toBe(false);
    expect(bad.problems.map((p) => p.contactId)).toEqual([c]);
    // The sweep does not stall on (or repeat) an expiry the projection lost track of.
    expect(await expireGrants(s.ctx, { workspaceId: f.workspaceId })).toMatchObject({ expired: 0 });
    expect(await expiresOf(f, c)).toHaveLength(1);
    const [e] = await expiresOf(f, c);
    await withSystemTx(s.ctx.db, (t) =>
      t.execute(sql`update consent_grants set expired_entry_id = ${e?.id ?? null} where id = ${grant.id}`),
    );
    expect((await verifyConsent(s.ctx.db, { workspaceId: f.workspaceId })).ok).toBe(true);
  });

  it("shows the entry in the ledger API and in the proof", async () => {
    const c = await f.contact();
    const grant = await grantExpiring(f, c, { ageMs: 10 * DAY, agoMs: DAY });
    await expireGrants(s.ctx, { workspaceId: f.workspaceId });
    const headers = bearer(f.ws.apiKey);
    const ledger = await s.app.inject({ method: "GET", url: `/v1/contacts/${c}/consent/ledger`, headers });
    expect(ledger.statusCode).toBe(200);
    const data = (ledger.json() as { data: { kind: string; refId: string | null; effectiveAt: string }[] })
      .data;
    expect(data.filter((e) => e.kind === "expire")).toMatchObject([
      {
        refId: grant.id,
        effectiveAt: grant.expiresAt?.toISOString(),
        method: "expiry",
        evidence: { reason: "expired" },
        actor: { type: "system", id: null },
      },
    ]);
    const html = await s.app.inject({
      method: "GET",
      url: `/v1/contacts/${c}/consent-proof?format=html`,
      headers,
    });
    expect(html.statusCode).toBe(200);
    expect(html.body).toContain("Consent expired");
    expect(html.body).toContain("its expiry date passed");
    expect(html.body).toContain("Chain verified when this document was generated</th><td>yes");
    const csv = await s.app.inject({
      method: "GET",
      url: `/v1/contacts/${c}/consent-proof?format=csv`,
      headers,
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.body.split("\r\n").filter((l) => l.includes(",expire,"))).toHaveLength(1);
  });

  it("runs as a recurring job of its own", async () => {
    expect(consentRecurringJobs()).toEqual([{ job: expireGrantsJob, everyMs: 15 * 60_000 }]);
    const c = await other.contact();
    const grant = await grantExpiring(other, c, { ageMs: 10 * DAY, agoMs: HOUR });
    await expireGrantsJob.handler(expireGrantsJob.schema.parse({}), {
      id: "job_test",
      name: expireGrantsJob.name,
      attempt: 1,
      maxAttempts: 3,
      retryAt: null,
      signal: new AbortController().signal,
      ctx: s.ctx,
    });
    expect((await expiresOf(other, c)).map((e) => e.refId)).toEqual([grant.id]);
  });
});
