import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testEngine } from "../../../test/harness.js";
import { recordPoolMessages } from "../../../test/pool-messages.js";
import type { TTestServer } from "../../../test/server.js";
import { warmDecisionCaches } from "../consent/index.js";
import {
  dispatchUntil,
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  waitUntil,
} from "./testing/messaging-fixture.js";

let s: TTestServer;
let f: TMessagingFixture;
beforeEach(async () => {
  s = await messagingTestServer();
  f = await messagingFixture(s);
  await f.sender();
});
afterEach(async () => s.close());

function cacheOf(server: TTestServer) {
  const cache = warmDecisionCaches.of(server.ctx);
  if (!cache) throw new Error("the consent routes registered no decision cache");
  return cache;
}

/**
 * Send by address until the contact's facts are in the cache: the process then remembers the address's
 * contact, and each batch's warm-up reads the facts it missed. A contact written less than the cache's
 * settle time ago (1 s) is not stored yet, so the first sends may only decide from the database.
 */
async function warm({ contactId, address }: { contactId: string; address: string }): Promise<void> {
  const cached = () => cacheOf(s).peek(f.workspaceId, contactId, f.brandId) !== undefined;
  await waitUntil(
    async () => {
      if (cached()) return true;
      const r = await f.send({ to: address, channel: "sandbox", brandId: f.brandId, body: "Warm-up" });
      expect(r.statusCode).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return cached();
    },
    { what: "the contact's facts in the cache", everyMs: 100 },
  );
}

describe("the accept-time decision from the warm cache", () => {
  it("a stale allow is never the last word: the dispatcher decides again and suppresses", async () => {
    const c = await f.contact();
    await f.grant(c.contactId);
    await warm(c);
    // Another process opts the contact out and its notification has not reached this one yet: the cache
    // stops hearing changes (it still answers), then the opt-out commits.
    cacheOf(s).close();
    const opt = await f.optOut(c.contactId, "all", { suppressQueued: false });
    const r = await f.send({ contactId: c.contactId, channel: "sandbox", brandId: f.brandId, body: "Offer" });
    // Accepted on the cache's allow, as a send racing the opt-out would be.
    expect(r.json()).toMatchObject({ status: "queued" });
    const recorder = await dispatchUntil(s, async () => (await f.message(r.json().id)).status !== "queued");
    const m = await f.message(r.json().id);
    expect(m).toMatchObject({ status: "suppressed", reason: "opted_out" });
    expect(m.timeline.find((e) => e.type === "decided" && e.stage === "dispatch")?.ledgerEntryIds).toContain(
      opt.ledgerEntryId,
    );
    expect(recorder.sent.filter((x) => x.message.messageId === r.json().id)).toHaveLength(0);
  });

  it("no refusal rests on the cache: a stale refusal is decided again from the database", async () => {
    const c = await f.contact();
    const first = await f.send({
      contactId: c.contactId,
      channel: "sandbox",
      brandId: f.brandId,
      body: "Hi",
    });
    expect(first.json()).toMatchObject({ status: "suppressed", reason: "consent_missing" });
    await warm(c);
    cacheOf(s).close();
    const grant = await f.grant(c.contactId);
    // The cache still holds the facts without the grant …
    expect(cacheOf(s).peek(f.workspaceId, c.contactId, f.brandId)?.grants).toEqual([]);
    // … and the send is allowed all the same, on the grant.
    const r = await f.send({ contactId: c.contactId, channel: "sandbox", brandId: f.brandId, body: "Offer" });
    expect(r.json()).toMatchObject({ status: "queued" });
    const decided = (await f.message(r.json().id)).timeline.find((e) => e.type === "decided");
    expect(decided).toMatchObject({ reason: "consent_granted" });
    expect(decided?.ledgerEntryIds).toContain(grant.id);
  });

  it("follows this process's own writes at once (the cache drops the contact when the ledger changes)", async () => {
    const c = await f.contact();
    await f.grant(c.contactId);
    await warm(c);
    await f.optOut(c.contactId, "all", { suppressQueued: false });
    const r = await f.send({ contactId: c.contactId, channel: "sandbox", brandId: f.brandId, body: "Offer" });
    expect(r.json()).toMatchObject({ status: "suppressed", reason: "opted_out" });
  });

  it.runIf(testEngine === "postgres")(
    "Postgres: a batch of warm recipients is one round trip (BEGIN, settings, insert and COMMIT)",
    async () => {
      const c = await f.contact();
      await f.grant(c.contactId);
      await warm(c);
      const messages = recordPoolMessages(s.database.db);
      const { sent } = messages;
      let id = "";
      try {
        const r = await f.send({ to: c.address, channel: "sandbox", brandId: f.brandId, body: "Offer" });
        expect(r.json()).toMatchObject({ status: "queued" });
        id = r.json().id;
      } finally {
        messages.stop();
      }
      // Sender, contact, campaign and decision all known: the batch is one message and nothing else.
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatch(/^begin; [\s\S]*assent_accept_messages[\s\S]*;\ncommit$/);
      expect(await f.count(sql`id = ${id} and status = 'queued'`)).toBe(1);
    },
  );
});
