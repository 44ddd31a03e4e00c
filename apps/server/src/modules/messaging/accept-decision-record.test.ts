import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../test/server.js";
import { rows } from "../../core/db/tx.js";
import {
  dispatchUntil,
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
} from "./testing/messaging-fixture.js";

let s: TTestServer;
let f: TMessagingFixture;
beforeEach(async () => {
  s = await messagingTestServer();
  f = await messagingFixture(s);
  await f.sender();
});
afterEach(async () => s.close());

const eventRows = (id: string) =>
  f.tx((tx) =>
    rows<{ n: number }>(tx, sql`select count(*)::int as n from message_events where message_id = ${id}`),
  );

describe("the accept decision is recorded on the message row (migration 0345)", () => {
  it("a send writes no event row; the timeline shows its accept decision, which the dispatcher's does not replace", async () => {
    const c = await f.contact();
    const grant = await f.grant(c.contactId);
    const r = await f.send({ contactId: c.contactId, channel: "sandbox", brandId: f.brandId, body: "Offer" });
    expect(r.json()).toMatchObject({ status: "queued" });
    const id: string = r.json().id;
    expect((await eventRows(id))[0]?.n).toBe(0);
    const accepted = await f.message(id);
    expect(accepted.timeline.map((e) => `${e.type}${e.stage ? `:${e.stage}` : ""}`)).toEqual([
      "accepted",
      "decided:accept",
    ]);
    expect(accepted.timeline[1]).toMatchObject({ allowed: true, reason: "consent_granted" });
    expect(accepted.timeline[1]?.ledgerEntryIds).toEqual([grant.id]);

    // The ledger moves on before dispatch (a newer grant of the same scope): the dispatcher's decision
    // rests on it and replaces the row's latest ledger entries; the accept's stays what it was.
    const newer = await f.grant(c.contactId);
    await dispatchUntil(s, async () => !["queued", "sending"].includes((await f.message(id)).status));
    const sent = await f.message(id);
    expect(sent.status).toBe("sent");
    const stages = sent.timeline.filter((e) => e.type === "decided");
    expect(stages.map((e) => e.stage)).toEqual(["accept", "dispatch"]);
    expect(stages[0]).toMatchObject({ allowed: true, reason: "consent_granted", ledgerEntryIds: [grant.id] });
    expect(stages[1]?.ledgerEntryIds).toContain(newer.id);
    expect(stages[1]?.ledgerEntryIds).not.toEqual([grant.id]);
    expect(sent.timeline.map((e) => e.type)).toEqual(["accepted", "decided", "decided", "claimed", "sent"]);
  });

  it("a refusal and a scheduled send read back as they were decided", async () => {
    const c = await f.contact();
    const opt = await f.optOut(c.contactId, "all", { suppressQueued: false });
    const refused = await f.send({
      contactId: c.contactId,
      channel: "sandbox",
      brandId: f.brandId,
      body: "Hi",
    });
    expect(refused.json()).toMatchObject({ status: "suppressed", reason: "opted_out" });
    const m = await f.message(refused.json().id);
    expect(m.timeline.map((e) => e.type)).toEqual(["accepted", "decided", "suppressed"]);
    expect(m.timeline[1]).toMatchObject({ stage: "accept", allowed: false, reason: "opted_out" });
    expect(m.timeline[1]?.ledgerEntryIds).toContain(opt.ledgerEntryId);
    expect(m.timeline[2]).toMatchObject({ reason: "opted_out" });

    const later = new Date(Date.now() + 3_600_000).toISOString();
    const other = await f.contact();
    await f.grant(other.contactId);
    const scheduled = await f.send({
      contactId: other.contactId,
      channel: "sandbox",
      brandId: f.brandId,
      body: "Later",
      scheduledAt: later,
    });
    expect(scheduled.json()).toMatchObject({ status: "scheduled" });
    const sm = await f.message(scheduled.json().id);
    expect(sm.timeline.map((e) => e.type)).toEqual(["accepted", "decided", "scheduled"]);
    expect(sm.timeline[2]).toMatchObject({ reason: "scheduled", notBefore: later });
  });

  it("the database refuses to change what a message was accepted with; its status still moves", async () => {
    const c = await f.contact();
    await f.grant(c.contactId);
    const r = await f.send({ contactId: c.contactId, channel: "sandbox", brandId: f.brandId, body: "Offer" });
    const id: string = r.json().id;
    for (const change of [
      sql`accept_decision = 'consent_missing'`,
      sql`accept_allowed = false`,
      sql`accept_status = 'suppressed'`,
      sql`accept_reason = 'opted_out'`,
      sql`accept_ledger_ids = '{}'`,
      sql`accept_not_before = now()`,
      sql`created_at = now() - interval '1 day'`,
    ]) {
      const attempt = f.tx((tx) => tx.execute(sql`update messages set ${change} where id = ${id}`));
      await expect(attempt).rejects.toSatisfy((e: unknown) =>
        /the accept decision of message .* never changes/.test(
          String((e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message),
        ),
      );
    }
    // Setting a column to the value it has is no change; the status columns are the dispatcher's.
    await f.tx((tx) =>
      tx.execute(
        sql`update messages set accept_status = accept_status, status = 'suppressed', reason = 'test' where id = ${id}`,
      ),
    );
    const m = await f.message(id);
    expect(m).toMatchObject({ status: "suppressed", reason: "test" });
    // The timeline tells how it was accepted (queued, allowed), not the row's present status.
    expect(m.timeline.map((e) => e.type)).toEqual(["accepted", "decided"]);
    expect(m.timeline[1]).toMatchObject({ stage: "accept", allowed: true, reason: "consent_granted" });
  });

  it("a row from a process still running the previous code (its decision in `details`) keeps its decision", async () => {
    const sender = await f.sender({ name: "Second sender" });
    const c = await f.contact();
    const grant = await f.grant(c.contactId);
    const id = "msg_rolling_deploy_row";
    // The row as 0320's callers built it: the decision only in the event details, no allowed/decision/basis.
    const row = {
      id,
      ws: f.workspaceId,
      brand: f.brandId,
      contact: c.contactId,
      channel: "sandbox",
      account: sender.id,
      category: "marketing",
      source: "api",
      status: "queued",
      due_at: new Date().toISOString(),
      kind: "text",
      content: "v1.sealed",
      segments: 1,
      ledger: [grant.id],
      details: {
        status: "queued",
        source: "api",
        decision: { allowed: true, reason: "consent_granted", basis: "consent", ledgerEntryIds: [grant.id] },
      },
    };
    await f.tx((tx) =>
      tx.execute(sql`select assent_accept_messages(${JSON.stringify([row])}::json, now(), false)`),
    );
    const [stored] = await f.rows<{ accept_allowed: boolean; accept_decision: string; accept_basis: string }>(
      sql`select accept_allowed, accept_decision, accept_basis from messages where id = ${id}`,
    );
    expect(stored).toEqual({
      accept_allowed: true,
      accept_decision: "consent_granted",
      accept_basis: "consent",
    });
    expect((await eventRows(id))[0]?.n).toBe(0);
  });
});
