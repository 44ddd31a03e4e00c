import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../../test/server.js";
import { withSystemTx, withWorkspaceTx } from "../../../core/db/tx.js";
import { createAdapter, createFakeRecorder, type FakeRecorder } from "../../channels/index.js";
import { listUnreachable } from "../../inbound/index.js";
import { createWebhookSubscription, invalidateWebhookSubscriptions } from "../../webhooks/index.js";
import { applyStatusEvent } from "../apply-status-event.js";
import { enqueueComplianceReply } from "../enqueue-compliance-reply.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  waitUntil,
} from "../testing/messaging-fixture.js";
import { claimMessages } from "./claim-messages.js";
import type { TDispatcherOptions } from "./dispatcher-host.js";
import { reapExpiredLeases } from "./reap-expired-leases.js";
import { recordSendResults } from "./record-send-results.js";
import { startDispatcher } from "./start-dispatcher.js";

let s: TTestServer;
let f: TMessagingFixture;
let recorder: FakeRecorder;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  s = await messagingTestServer();
  f = await messagingFixture(s);
  recorder = createFakeRecorder();
});
afterAll(async () => s.close());
afterEach(async () => {
  await stop?.();
  stop = undefined;
  recorder.reset();
});

function fast(o: TDispatcherOptions = {}): TDispatcherOptions {
  return {
    createAdapter: (_account, credentials) => createAdapter("fake", credentials, { recorder }),
    pollMs: 20,
    reapEveryMs: 50,
    backoffBaseMs: 10,
    backoffMaxMs: 50,
    idleReleaseMs: 100,
    recordEveryMs: 5,
    ...(s.database.url ? { listenUrl: s.database.url } : {}),
    ...o,
  };
}

/** Take a sender's lease as `holder` and claim its due messages, as a worker does (no sending). */
async function claimAs(
  accountId: string,
  holder: string,
  o: { idempotentSends: boolean; messageLeaseMs: number },
): Promise<{ lost: boolean }> {
  return withSystemTx(s.ctx.db, async (tx) => {
    await tx.execute(sql`insert into sender_leases (channel_account_id, workspace_id, holder, lease_until, acquired_at)
      values (${accountId}, ${f.workspaceId}, ${holder}, now() + interval '1 minute', now())`);
    return claimMessages(tx, {
      sender: {
        id: accountId,
        workspaceId: f.workspaceId,
        channel: "sandbox",
        keys: f.keys,
        idempotentSends: o.idempotentSends,
        pacer: undefined,
      },
      holder,
      limit: 10,
      senderLeaseMs: 60_000,
      messageLeaseMs: o.messageLeaseMs,
    });
  });
}

async function start(o: TDispatcherOptions = {}): Promise<void> {
  stop = await startDispatcher(s.ctx, fast(o));
}

async function statusOf(id: string): Promise<{
  status: string;
  reason: string | null;
  attempts: number;
  error_code: string | null;
  provider_message_id: string | null;
}> {
  const r = await f.rows<{
    status: string;
    reason: string | null;
    attempts: number;
    error_code: string | null;
    provider_message_id: string | null;
  }>(sql`select status, reason, attempts, error_code, provider_message_id from messages where id = ${id}`);
  const row = r[0];
  if (!row) throw new Error("no message");
  return row;
}

const settled = (id: string) => async () =>
  !["queued", "sending", "scheduled"].includes((await statusOf(id)).status);

describe("dispatcher", () => {
  it("claims, decides again, sends through the adapter and records sent, with the whole timeline", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: false } });
    const ids: string[] = [];
    for (let n = 0; n < 20; n++) {
      const r = await f.send({
        to: `+4420795000${String(n).padStart(2, "0")}`,
        channel: "sandbox",
        brandId: f.brandId,
        category: "transactional",
        body: `hello ${n}`,
        channelAccountId: sender.id,
      });
      ids.push(r.json().id);
    }
    await start();
    await waitUntil(
      async () => (await f.count(sql`id = any(${sql.param(ids)}::text[]) and status = 'sent'`)) === 20,
      { what: "20 sent" },
    );
    expect(recorder.sent).toHaveLength(20);
    expect(new Set(recorder.sent.map((m) => m.message.messageId))).toEqual(new Set(ids));
    expect(recorder.sent.find((m) => m.message.messageId === ids[3])?.message).toMatchObject({
      to: "+442079500003",
      body: "hello 3",
    });
    const row = await statusOf(ids[0] ?? "");
    expect(row.attempts).toBe(1);
    expect(row.provider_message_id).toMatch(/^fake_msg_/);
    const m = await f.message(ids[0] ?? "");
    expect(m.timeline.map((e) => `${e.type}${e.stage ? `:${e.stage}` : ""}`)).toEqual([
      "accepted",
      "decided:accept",
      "decided:dispatch",
      "claimed",
      "sent",
    ]);
  });

  it("dispatches a scheduled message once it comes due, and not before", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: false } });
    const send = (to: string, at: Date) =>
      f.send({
        to,
        channel: "sandbox",
        brandId: f.brandId,
        category: "transactional",
        body: `at ${at.toISOString()}`,
        channelAccountId: sender.id,
        scheduledAt: at.toISOString(),
      });
    const soonAt = new Date(Date.now() + 1_500);
    const laterAt = new Date(Date.now() + 3_600_000);
    const soon = (await send("+442079590001", soonAt)).json();
    const later = (await send("+442079590002", laterAt)).json();
    expect(soon).toMatchObject({ status: "scheduled", notBefore: soonAt.toISOString() });
    expect(later).toMatchObject({ status: "scheduled", notBefore: laterAt.toISOString() });
    await start();
    await waitUntil(async () => (await statusOf(soon.id)).status === "sent", {
      what: "the scheduled message sent",
    });
    const handed = recorder.sent.filter((m) => m.message.messageId === soon.id);
    expect(handed).toHaveLength(1);
    expect(handed[0]?.acceptedAt.getTime()).toBeGreaterThanOrEqual(soonAt.getTime());
    const claimed = await f.rows<{ claimed_at: Date | string; sent_at: Date | string }>(
      sql`select claimed_at, sent_at from messages where id = ${soon.id}`,
    );
    expect(new Date(claimed[0]?.claimed_at ?? 0).getTime()).toBeGreaterThanOrEqual(soonAt.getTime());
    // The one due in an hour is still waiting, untouched.
    expect(await statusOf(later.id)).toMatchObject({ status: "scheduled", reason: "scheduled", attempts: 0 });
    expect(recorder.sent.filter((m) => m.message.messageId === later.id)).toHaveLength(0);
    const timeline = (await f.message(soon.id)).timeline;
    expect(timeline.map((e) => `${e.type}${e.stage ? `:${e.stage}` : ""}`)).toEqual([
      "accepted",
      "decided:accept",
      "scheduled",
      "decided:dispatch",
      "claimed",
      "sent",
    ]);
  });

  it("reschedules for quiet hours at dispatch with notBefore the new due time", async () => {
    const w = await messagingFixture(s, "Quiet at dispatch");
    await w.sender({ credentials: { idempotentSends: false } });
    // Not a phone number: the brand's own time zone applies.
    const c = await w.contact("sandbox", "sandbox-quiet-1");
    await w.grant(c.contactId);
    const queued = (
      await w.send({ contactId: c.contactId, channel: "sandbox", brandId: w.brandId, body: "Offer" })
    ).json();
    const scheduledAt = new Date(Date.now() + 1_000).toISOString();
    const scheduled = (
      await w.send({
        contactId: c.contactId,
        channel: "sandbox",
        brandId: w.brandId,
        body: "Later",
        scheduledAt,
      })
    ).json();
    expect(queued).toMatchObject({ status: "queued" });
    expect(scheduled).toMatchObject({ status: "scheduled", notBefore: scheduledAt });
    // The brand's sending window (quietHours: when it may send) moves after both were accepted, to open
    // in two hours: the dispatch decision reschedules them.
    const hour = new Date().getUTCHours();
    const pad = (h: number) => `${String(h % 24).padStart(2, "0")}:00`;
    await w.rows(
      sql`update brands set settings = ${JSON.stringify({ quietHours: { start: pad(hour + 2), end: pad(hour + 3), timeZone: "UTC" } })}::jsonb
        where id = ${w.brandId}`,
    );
    await start();
    for (const id of [queued.id, scheduled.id])
      await waitUntil(async () => (await statusOf(id)).reason === "quiet_hours", { what: "rescheduled" });
    for (const id of [queued.id, scheduled.id]) {
      const m = (await s.app.inject({ method: "GET", url: `/v1/messages/${id}`, headers: w.auth })).json();
      expect(m).toMatchObject({ status: "scheduled", reason: "quiet_hours" });
      const due = await w.rows<{ due_at: Date | string }>(sql`select due_at from messages where id = ${id}`);
      expect(m.notBefore).toBe(new Date(due[0]?.due_at ?? 0).toISOString());
      expect(new Date(m.notBefore).getUTCHours()).toBe((hour + 2) % 24);
    }
    expect(recorder.sent).toHaveLength(0);
  });

  it("suppresses at dispatch a message whose contact opted out after it was accepted", async () => {
    const c = await f.contact();
    await f.grant(c.contactId);
    const r = await f.send({ contactId: c.contactId, channel: "sandbox", brandId: f.brandId, body: "Offer" });
    expect(r.json().status).toBe("queued");
    const opt = await f.optOut(c.contactId, "all", { suppressQueued: false });
    await start();
    await waitUntil(settled(r.json().id), { what: "decision" });
    expect(await statusOf(r.json().id)).toMatchObject({ status: "suppressed", reason: "opted_out" });
    expect(recorder.sent.filter((x) => x.message.messageId === r.json().id)).toHaveLength(0);
    const m = await f.message(r.json().id);
    const dispatchDecision = m.timeline.find((e) => e.type === "decided" && e.stage === "dispatch");
    expect(dispatchDecision).toMatchObject({ reason: "opted_out" });
    expect(dispatchDecision?.ledgerEntryIds).toContain(opt.ledgerEntryId);
    const audit = await f.rows<{ action: string }>(
      sql`select action from audit_log where target_id = ${r.json().id} order by seq`,
    );
    expect(audit.map((a) => a.action)).toEqual(["message.accepted", "message.suppressed"]);
  });

  it("retries retryable errors with backoff and dead-letters the rest with the provider's code", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: false } });
    recorder.failFor("+442079510001", { code: "UNAVAILABLE", times: 2 });
    recorder.failFor("+442079510002", { code: "REJECTED", providerCode: "21211" });
    recorder.failFor("+442079510003", { code: "OUTSIDE_WINDOW", providerCode: "131047" });
    recorder.failFor("+442079510004", { code: "RATE_LIMITED", retryAfterMs: 30, times: 1 });
    recorder.failFor("+442079510005", { code: "UNAVAILABLE" });
    const ids: string[] = [];
    for (let n = 1; n <= 5; n++) {
      ids.push(
        (
          await f.send({
            to: `+44207951000${n}`,
            channel: "sandbox",
            brandId: f.brandId,
            category: "transactional",
            body: "x",
            channelAccountId: sender.id,
          })
        ).json().id,
      );
    }
    await start({ maxAttempts: 4 });
    for (const id of ids) await waitUntil(settled(id), { what: `settled ${id}` });
    const [a, b, c, d, e] = await Promise.all(ids.map(statusOf));
    expect(a).toMatchObject({ status: "sent", attempts: 3 });
    expect(b).toMatchObject({
      status: "failed",
      reason: "provider_rejected",
      error_code: "21211",
      attempts: 1,
    });
    expect(c).toMatchObject({ status: "failed", reason: "outside_session_window", error_code: "131047" });
    expect(d).toMatchObject({ status: "sent", attempts: 2 });
    expect(e).toMatchObject({
      status: "failed",
      reason: "retries_exhausted",
      error_code: "UNAVAILABLE",
      attempts: 4,
    });
    const timeline = (await f.message(ids[0] ?? "")).timeline.map((x) => x.type);
    expect(timeline.filter((t) => t === "retry_scheduled")).toHaveLength(2);
    expect(timeline.at(-1)).toBe("sent");
  });

  it("holds back only the recipient on a recipient's rate limit (WhatsApp 131056); a sender's limit pauses every recipient", async () => {
    const results: Record<string, number> = {};
    for (const recipientScoped of [true, false]) {
      recorder.reset();
      const sender = await f.sender({ credentials: { idempotentSends: false } });
      const limited = recipientScoped ? "+442079512001" : "+442079512011";
      const other = recipientScoped ? "+442079512002" : "+442079512012";
      recorder.failFor(limited, { code: "RATE_LIMITED", retryAfterMs: 2_500, recipientScoped, times: 1 });
      const send = async (to: string) =>
        (
          await f.send({
            to,
            channel: "sandbox",
            brandId: f.brandId,
            category: "transactional",
            body: "x",
            channelAccountId: sender.id,
          })
        ).json().id as string;
      const first = await send(limited);
      await start({ maxAttempts: 3 });
      await waitUntil(
        async () => (await statusOf(first)).status === "queued" && (await statusOf(first)).attempts === 1,
        {
          what: "the rate-limited send",
        },
      );
      const t0 = Date.now();
      const second = await send(other);
      await waitUntil(settled(second), { what: "the other recipient's send" });
      results[String(recipientScoped)] = Date.now() - t0;
      expect(await statusOf(second)).toMatchObject({ status: "sent" });
      await waitUntil(settled(first), { what: "the rate-limited message, retried" });
      expect(await statusOf(first)).toMatchObject({ status: "sent", attempts: 2 });
      await stop?.();
      stop = undefined;
    }
    // The other recipient is not made to wait for the limited one's 2.5 s; a sender-wide limit makes it wait.
    expect(results.true).toBeLessThan(2_000);
    expect(results.false).toBeGreaterThanOrEqual(2_000);
  });

  it("never resends a message the provider may have (a timeout after sending): unknown, unless sends are idempotent", async () => {
    const plain = await f.sender({ credentials: { idempotentSends: false } });
    const idempotent = await f.sender({ credentials: { idempotentSends: true } });
    recorder.failFor("+442079511001", { code: "UNAVAILABLE", maybeSent: true });
    recorder.failFor("+442079511002", { code: "UNAVAILABLE", maybeSent: true, times: 1 });
    const sendTo = async (to: string, channelAccountId: string) =>
      (
        await f.send({
          to,
          channel: "sandbox",
          brandId: f.brandId,
          category: "transactional",
          body: "x",
          channelAccountId,
        })
      ).json().id as string;
    const once = await sendTo("+442079511001", plain.id);
    const again = await sendTo("+442079511002", idempotent.id);
    await start({ maxAttempts: 4 });
    await waitUntil(settled(once), { what: "the unknown outcome" });
    await waitUntil(settled(again), { what: "the idempotent retry" });
    expect(await statusOf(once)).toMatchObject({
      status: "unknown",
      reason: "provider_outcome_unknown",
      error_code: "UNAVAILABLE",
      attempts: 1,
    });
    expect((await f.message(once)).timeline.at(-1)).toMatchObject({ type: "unknown" });
    expect(await statusOf(again)).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("applies a status that raced the recording of its provider id (an orphan the recording could not see)", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: false } });
    const id = (
      await f.send({
        to: "+442079512001",
        channel: "sandbox",
        brandId: f.brandId,
        category: "transactional",
        body: "x",
        channelAccountId: sender.id,
      })
    ).json().id as string;
    await start();
    await waitUntil(settled(id), { what: "sent" });
    const sent = await statusOf(id);
    expect(sent.status).toBe("sent");
    // The webhook's transaction saw no provider id and kept an orphan, committed after the recording's
    // own look for orphans: written here as it would be left.
    await f.rows(
      sql`insert into orphan_status_events (workspace_id, channel_account_id, provider_message_id, status, at)
        values (${f.workspaceId}, ${sender.id}, ${sent.provider_message_id}, 'delivered', now())`,
    );
    await waitUntil(async () => (await statusOf(id)).status === "delivered", { what: "the orphan applied" });
    const left = await f.rows<{ n: number }>(
      sql`select count(*)::int as n from orphan_status_events where provider_message_id = ${sent.provider_message_id}`,
    );
    expect(left[0]?.n).toBe(0);
    expect((await f.message(id)).timeline.at(-1)).toMatchObject({ type: "delivered" });
  });

  it("marks a recipient who blocked the sender unreachable and stops calling the provider for them", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: false } });
    const c = await f.contact("sandbox", "+442079520001");
    recorder.failFor(c.address, { code: "RECIPIENT_BLOCKED", providerCode: "403" });
    const first = await f.send({
      contactId: c.contactId,
      channel: "sandbox",
      brandId: f.brandId,
      category: "transactional",
      body: "x",
      channelAccountId: sender.id,
    });
    await start();
    await waitUntil(settled(first.json().id));
    expect(await statusOf(first.json().id)).toMatchObject({ status: "failed", reason: "recipient_blocked" });
    const unreachable = await withSystemTx(s.ctx.db, (tx) =>
      listUnreachable(tx, {
        pairs: [{ workspaceId: f.workspaceId, channelAccountId: sender.id, contactId: c.contactId }],
      }),
    );
    expect(unreachable.size).toBe(1);
    const attempts = recorder.attempts;
    const second = await f.send({
      contactId: c.contactId,
      channel: "sandbox",
      brandId: f.brandId,
      category: "transactional",
      body: "y",
      channelAccountId: sender.id,
    });
    await waitUntil(settled(second.json().id));
    expect(await statusOf(second.json().id)).toMatchObject({
      status: "failed",
      reason: "recipient_unreachable",
    });
    expect(recorder.attempts).toBe(attempts);
  });

  it("paces one recipient and keeps a sender's rate", async () => {
    const sender = await f.sender({
      credentials: { idempotentSends: false },
      rateLimit: { perSecond: 10, perRecipientPerSecond: 4 },
    });
    const c = await f.contact("sandbox", "+442079530001");
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      ids.push(
        (
          await f.send({
            contactId: c.contactId,
            channel: "sandbox",
            brandId: f.brandId,
            category: "transactional",
            body: `p${n}`,
            channelAccountId: sender.id,
          })
        ).json().id,
      );
    }
    const others: string[] = [];
    for (let n = 0; n < 15; n++) {
      others.push(
        (
          await f.send({
            to: `+4420795310${String(n).padStart(2, "0")}`,
            channel: "sandbox",
            brandId: f.brandId,
            category: "transactional",
            body: "o",
            channelAccountId: sender.id,
          })
        ).json().id,
      );
    }
    await start();
    for (const id of [...ids, ...others]) await waitUntil(settled(id), { what: "paced sends" });
    const toContact = recorder.sent
      .filter((m) => m.message.to === c.address)
      .map((m) => m.acceptedAt.getTime())
      .sort((a, b) => a - b);
    expect(toContact).toHaveLength(3);
    for (let n = 1; n < toContact.length; n++)
      expect((toContact[n] ?? 0) - (toContact[n - 1] ?? 0)).toBeGreaterThanOrEqual(250);
    const all = recorder.sent.map((m) => m.acceptedAt.getTime()).sort((a, b) => a - b);
    for (let n = 10; n < all.length; n++)
      expect((all[n] ?? 0) - (all[n - 10] ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it("turns an expired sending lease into unknown, re-queues it for idempotent adapters, and reconciles unknown from a status event", async () => {
    const plain = await f.sender({ credentials: { idempotentSends: false } });
    const idem = await f.sender({ credentials: { idempotentSends: true } });
    const a = await f.send({
      to: "+442079540001",
      channel: "sandbox",
      brandId: f.brandId,
      category: "transactional",
      body: "a",
      channelAccountId: plain.id,
    });
    const b = await f.send({
      to: "+442079540002",
      channel: "sandbox",
      brandId: f.brandId,
      category: "transactional",
      body: "b",
      channelAccountId: idem.id,
    });
    for (const [account, idempotentSends] of [
      [plain.id, false],
      [idem.id, true],
    ] as const) {
      const claimed = await claimAs(account, "dead-worker", { idempotentSends, messageLeaseMs: 1 });
      expect(claimed.lost).toBe(false);
    }
    await new Promise((r) => setTimeout(r, 20));
    const reaped = await reapExpiredLeases(s.ctx.db);
    expect(reaped).toEqual({ unknown: 1, requeued: 1 });
    expect(await statusOf(a.json().id)).toMatchObject({ status: "unknown", reason: "lease_expired" });
    expect(await statusOf(b.json().id)).toMatchObject({ status: "queued", reason: "lease_expired" });
    // Requeued in its place: due when it was accepted, not at the end of the queue.
    const [due] = await f.rows<{ due_at: Date | string; created_at: Date | string }>(
      sql`select due_at, created_at from messages where id = ${b.json().id}`,
    );
    expect(new Date(due?.due_at ?? 0).getTime()).toBe(new Date(due?.created_at ?? 1).getTime());
    const reconciled = await withSystemTx(s.ctx.db, (tx) =>
      applyStatusEvent(tx, {
        workspaceId: f.workspaceId,
        channelAccountId: plain.id,
        providerMessageId: "wamid.X",
        messageId: a.json().id,
        status: "delivered",
        at: new Date(),
      }),
    );
    expect(reconciled).toEqual({ messageId: a.json().id, status: "delivered" });
    expect(await statusOf(a.json().id)).toMatchObject({
      status: "delivered",
      provider_message_id: "wamid.X",
    });
    expect((await f.message(a.json().id)).timeline.map((e) => e.type).slice(-2)).toEqual([
      "unknown",
      "delivered",
    ]);
  });

  it("moves statuses forward only and applies a status that arrived before its send was recorded", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: false } });
    const r = await f.send({
      to: "+442079550001",
      channel: "sandbox",
      brandId: f.brandId,
      category: "transactional",
      body: "x",
      channelAccountId: sender.id,
    });
    const id = r.json().id;
    const apply = (status: "sent" | "delivered" | "read" | "failed", pid = "pid-1") =>
      withSystemTx(s.ctx.db, (tx) =>
        applyStatusEvent(tx, {
          workspaceId: f.workspaceId,
          channelAccountId: sender.id,
          providerMessageId: pid,
          status,
          at: new Date(),
        }),
      );
    await claimAs(sender.id, "w1", { idempotentSends: false, messageLeaseMs: 60_000 });
    expect(await apply("delivered")).toBeNull();
    await withSystemTx(s.ctx.db, (tx) =>
      recordSendResults(
        tx,
        [
          {
            kind: "sent",
            id,
            workspaceId: f.workspaceId,
            claim: { holder: "w1", attempts: 1 },
            channelAccountId: sender.id,
            providerMessageId: "pid-1",
            acceptedAt: new Date(),
            statusCallbackUrl: null,
            callbackKeyId: null,
          },
        ],
        new Date(),
      ),
    );
    expect((await statusOf(id)).status).toBe("delivered");
    expect(await apply("sent")).toEqual({ messageId: id, status: "delivered" });
    expect(await apply("read")).toEqual({ messageId: id, status: "read" });
    expect(await apply("delivered")).toEqual({ messageId: id, status: "read" });
    expect((await statusOf(id)).status).toBe("read");
    expect((await f.message(id)).timeline.map((e) => e.type).slice(-3)).toEqual([
      "sent",
      "delivered",
      "read",
    ]);
  });

  it("commits a record of sends alone without waiting for disk, never one holding a retry or a failure", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: false } });
    const ids: string[] = [];
    for (const to of ["+442079550101", "+442079550102", "+442079550103", "+442079550104"])
      ids.push(
        (
          await f.send({
            to,
            channel: "sandbox",
            brandId: f.brandId,
            category: "transactional",
            body: "x",
            channelAccountId: sender.id,
          })
        ).json().id,
      );
    await claimAs(sender.id, "w2", { idempotentSends: false, messageLeaseMs: 60_000 });
    const [a = "", b = "", c = "", d = ""] = ids;
    const sent = (id: string) => ({
      kind: "sent" as const,
      id,
      workspaceId: f.workspaceId,
      claim: { holder: "w2", attempts: 1 },
      channelAccountId: sender.id,
      providerMessageId: `pid-${id}`,
      acceptedAt: new Date(),
      statusCallbackUrl: null,
      callbackKeyId: null,
    });
    /** The synchronous_commit the transaction commits with, after recording these results. */
    const commitSetting = (items: Parameters<typeof recordSendResults>[1]) =>
      withSystemTx(s.ctx.db, async (tx) => {
        await recordSendResults(tx, items, new Date());
        const r = await tx.execute(sql`select current_setting('synchronous_commit') as v`);
        return (r as unknown as { rows: { v: string }[] }).rows[0]?.v;
      });
    const server = await withSystemTx(s.ctx.db, async (tx) => {
      const r = await tx.execute(sql`select current_setting('synchronous_commit') as v`);
      return (r as unknown as { rows: { v: string }[] }).rows[0]?.v;
    });
    expect(await commitSetting([sent(a)])).toBe("off");
    const retry = {
      kind: "retry" as const,
      id: c,
      workspaceId: f.workspaceId,
      claim: { holder: "w2", attempts: 1 },
      dueAt: new Date(Date.now() + 60_000),
      reason: "provider_unavailable",
      errorCode: "UNAVAILABLE",
      errorMessage: null,
    };
    expect(await commitSetting([sent(b), retry])).toBe(server);
    const failed = {
      kind: "failed" as const,
      id: d,
      workspaceId: f.workspaceId,
      claim: { holder: "w2", attempts: 1 },
      contactId: "ctc_none",
      channelAccountId: sender.id,
      reason: "provider_rejected",
      errorCode: "21211",
      errorMessage: null,
      markUnreachable: false,
      statusCallbackUrl: null,
      callbackKeyId: null,
    };
    expect(await commitSetting([failed])).toBe(server);
    expect((await Promise.all(ids.map(statusOf))).map((x) => x.status)).toEqual([
      "sent",
      "sent",
      "queued",
      "failed",
    ]);
  });

  it("sends a compliance reply to a contact who just opted out, once per inbound message", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: false } });
    const c = await f.contact("sandbox", "+442079560001");
    await f.grant(c.contactId);
    const queued = await f.send({
      contactId: c.contactId,
      channel: "sandbox",
      brandId: f.brandId,
      body: "Offer",
      channelAccountId: sender.id,
    });
    const transactional = await f.send({
      contactId: c.contactId,
      channel: "sandbox",
      brandId: f.brandId,
      category: "transactional",
      body: "Receipt",
      channelAccountId: sender.id,
    });
    await f.optOut(c.contactId, "marketing");
    expect((await statusOf(queued.json().id)).status).toBe("suppressed");
    expect((await statusOf(transactional.json().id)).status).toBe("queued");
    await f.optOut(c.contactId, "all");
    expect(await statusOf(transactional.json().id)).toMatchObject({
      status: "suppressed",
      reason: "opted_out",
    });
    const reply = () =>
      withWorkspaceTx(s.ctx.db, f.workspaceId, (tx) =>
        enqueueComplianceReply(tx, f.keys, {
          workspaceId: f.workspaceId,
          brandId: f.brandId,
          contactId: c.contactId,
          channelAccountId: sender.id,
          channel: "sandbox",
          body: "You are unsubscribed. Reply START to resubscribe.",
          kind: "opt_out_confirmation",
          inReplyTo: "inb_1",
        }),
      );
    const first = await reply();
    const again = await reply();
    expect(first.created).toBe(true);
    expect(again).toEqual({ messageId: first.messageId, created: false });
    await start();
    await waitUntil(settled(first.messageId));
    expect(await statusOf(first.messageId)).toMatchObject({ status: "sent" });
    expect(recorder.sent.filter((m) => m.message.to === c.address).map((m) => m.message.body)).toEqual([
      "You are unsubscribed. Reply START to resubscribe.",
    ]);
  });

  it("emits customer webhook events for each status change through the webhooks outbox", async () => {
    const other = await messagingFixture(s, "Hooks");
    const sender = await other.sender({ credentials: { idempotentSends: false } });
    await withWorkspaceTx(s.ctx.db, other.workspaceId, (tx) =>
      createWebhookSubscription(tx, {
        workspaceId: other.workspaceId,
        keys: other.keys,
        url: "https://hooks.example.com/assent",
        events: ["*"],
        actor: { type: "system", id: null },
      }),
    );
    invalidateWebhookSubscriptions(other.workspaceId);
    const r = await other.send({
      to: "+442079580001",
      channel: "sandbox",
      brandId: other.brandId,
      category: "transactional",
      body: "x",
      channelAccountId: sender.id,
    });
    await start();
    await waitUntil(settled(r.json().id));
    const types = await other.rows<{ type: string }>(
      sql`select type from webhook_events where workspace_id = ${other.workspaceId} order by created_at, id`,
    );
    expect(types.map((t) => t.type)).toEqual(["message.queued", "message.sending", "message.sent"]);
    const sealed = await other.rows<{ data_sealed: string }>(
      sql`select data_sealed from webhook_events where workspace_id = ${other.workspaceId}`,
    );
    expect(sealed.every((e) => !e.data_sealed.includes("+4420795"))).toBe(true);
  });

  /** A workspace subscribed to every customer webhook event (events are kept only for subscribers). */
  async function subscribed(name: string): Promise<TMessagingFixture> {
    const w = await messagingFixture(s, name);
    await withWorkspaceTx(s.ctx.db, w.workspaceId, (tx) =>
      createWebhookSubscription(tx, {
        workspaceId: w.workspaceId,
        keys: w.keys,
        url: "https://hooks.example.com/assent",
        events: ["*"],
        actor: { type: "system", id: null },
      }),
    );
    invalidateWebhookSubscriptions(w.workspaceId);
    return w;
  }

  const webhookEventTypes = async (w: TMessagingFixture) =>
    (
      await w.rows<{ type: string }>(
        sql`select type from webhook_events where workspace_id = ${w.workspaceId} order by created_at, id`,
      )
    ).map((e) => e.type);

  it("fails the queued messages of a disabled sender, with their webhook events", async () => {
    const w = await subscribed("Disable");
    const sender = await w.sender();
    const r = await w.send({
      to: "+442079570001",
      channel: "sandbox",
      brandId: w.brandId,
      category: "transactional",
      body: "x",
      channelAccountId: sender.id,
    });
    const del = await s.app.inject({
      method: "DELETE",
      url: `/v1/channel-accounts/${sender.id}`,
      headers: w.auth,
    });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toMatchObject({ status: "disabled" });
    const row = await w.rows<{ status: string; reason: string }>(
      sql`select status, reason from messages where id = ${r.json().id}`,
    );
    expect(row[0]).toEqual({ status: "failed", reason: "channel_account_disabled" });
    // As every change to failed: the timeline event and the customer webhook event.
    expect((await w.message(r.json().id)).timeline.at(-1)).toMatchObject({
      type: "failed",
      reason: "channel_account_disabled",
    });
    expect(await webhookEventTypes(w)).toEqual(["message.queued", "message.failed"]);
  });

  it("stops claiming for a sender disabled while this worker holds it: the next message fails, never sent", async () => {
    const w = await subscribed("Disabled while held");
    const sender = await w.sender();
    const send = async (body: string) =>
      (
        await w.send({
          to: "+442079570003",
          channel: "sandbox",
          brandId: w.brandId,
          category: "transactional",
          body,
          channelAccountId: sender.id,
        })
      ).json().id as string;
    // The worker keeps the sender (no idle release) after sending a first message.
    await start({ idleReleaseMs: 60_000 });
    const first = await send("first");
    await waitUntil(() => recorder.sent.some((m) => m.message.messageId === first), {
      what: "the first send",
    });
    // Disabled by another process; this process's sender cache still has it active for a while.
    await w.rows(
      sql`update channel_accounts set status = 'disabled', disabled_at = now() where id = ${sender.id}`,
    );
    const second = await send("second");
    const state = async () =>
      (
        await w.rows<{ status: string; reason: string | null }>(
          sql`select status, reason from messages where id = ${second}`,
        )
      )[0];
    await waitUntil(async () => (await state())?.status !== "queued", { what: "the second message settled" });
    expect(await state()).toEqual({ status: "failed", reason: "channel_account_disabled" });
    expect(recorder.sent.filter((m) => m.message.messageId === second)).toEqual([]);
  });

  it("fails a message that reached a sender after it was disabled (another process's stale sender cache)", async () => {
    const w = await subscribed("Disabled elsewhere");
    const sender = await w.sender();
    const r = await w.send({
      to: "+442079570002",
      channel: "sandbox",
      brandId: w.brandId,
      category: "transactional",
      body: "x",
      channelAccountId: sender.id,
    });
    expect(r.json().status).toBe("queued");
    // Disabled as another process does it, after this message was accepted against its cached sender.
    await w.rows(
      sql`update channel_accounts set status = 'disabled', disabled_at = now() where id = ${sender.id}`,
    );
    await start();
    const state = async () =>
      (
        await w.rows<{ status: string; reason: string | null }>(
          sql`select status, reason from messages where id = ${r.json().id}`,
        )
      )[0];
    await waitUntil(async () => (await state())?.status !== "queued", { what: "the sweep" });
    expect(await state()).toEqual({ status: "failed", reason: "channel_account_disabled" });
    expect(recorder.sent.filter((m) => m.message.messageId === r.json().id)).toEqual([]);
    expect(await webhookEventTypes(w)).toEqual(["message.queued", "message.failed"]);
    const audit = await w.rows<{ n: number }>(
      sql`select count(*)::int as n from audit_log where workspace_id = ${w.workspaceId}
        and action = 'message.failed' and target_id = ${r.json().id}`,
    );
    expect(audit[0]?.n).toBe(1);
  });
});
