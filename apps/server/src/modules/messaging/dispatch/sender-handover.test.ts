import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../../test/server.js";
import {
  createAdapter,
  createFakeRecorder,
  type FakeRecorder,
  type TChannelAdapter,
} from "../../channels/index.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  waitUntil,
} from "../testing/messaging-fixture.js";
import type { TDispatcherOptions } from "./dispatcher-host.js";
import { startDispatcher } from "./start-dispatcher.js";

let s: TTestServer;
let f: TMessagingFixture;
let recorder: FakeRecorder;
const stops: (() => Promise<void>)[] = [];

/** Every call of the adapter: when it started and when the provider answered. */
interface TCall {
  to: string;
  messageId: string;
  start: number;
  end: number;
  ok: boolean;
}
let calls: TCall[] = [];
/** Recipients whose sends take this long at the provider. */
const slow = new Map<string, number>();

beforeAll(async () => {
  s = await messagingTestServer();
  f = await messagingFixture(s);
  recorder = createFakeRecorder();
});
afterAll(async () => s.close());
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  // Nothing a test left unsent reaches the next test's dispatchers (and its list of calls).
  await f.rows(sql`update messages set status = 'failed', reason = 'test_ended', due_at = null
    where status in ('queued', 'scheduled', 'sending')`);
  recorder.reset();
  calls = [];
  slow.clear();
});

function timed(credentials: unknown): TChannelAdapter {
  const inner = createAdapter("fake", credentials, { recorder });
  return {
    ...inner,
    send: async (m) => {
      const call: TCall = { to: m.to, messageId: m.messageId, start: Date.now(), end: 0, ok: false };
      calls.push(call);
      try {
        const delay = slow.get(m.to);
        if (delay !== undefined) await sleep(delay);
        const r = await inner.send(m);
        call.ok = true;
        return r;
      } finally {
        call.end = Date.now();
      }
    },
  };
}

/** A dispatcher named `workerId`, with short leases (a handover within the test's time). */
async function dispatcher(workerId: string, o: TDispatcherOptions = {}): Promise<() => Promise<void>> {
  const stop = await startDispatcher(s.ctx, {
    workerId,
    createAdapter: (_account, credentials) => timed(credentials),
    pollMs: 20,
    reapEveryMs: 50,
    recordEveryMs: 5,
    senderLeaseMs: 600,
    leaseMarginMs: 100,
    idleReleaseMs: 5_000,
    ...(s.database.url ? { listenUrl: s.database.url } : {}),
    ...o,
  });
  stops.push(stop);
  return async () => {
    stops.splice(stops.indexOf(stop), 1);
    await stop();
  };
}

async function sendTo(senderId: string, to: string): Promise<string> {
  const r = await f.send({
    to,
    channel: "sandbox",
    brandId: f.brandId,
    category: "transactional",
    body: "x",
    channelAccountId: senderId,
  });
  return r.json().id as string;
}

const statusOf = async (id: string): Promise<string> =>
  (await f.rows<{ status: string }>(sql`select status from messages where id = ${id}`))[0]?.status ?? "";
const allSent = (ids: string[]) => async () => {
  for (const id of ids) if ((await statusOf(id)) !== "sent") return false;
  return true;
};

/**
 * A sender of 2 segments a second whose messages are 2 segments each: a claim takes two, and the second
 * must wait a whole window (1.05 s) after the first is answered, longer than the 0.5 s the lease is
 * good for. It is given back.
 */
async function segmentSender(): Promise<{ id: string }> {
  const sender = await f.sender({ credentials: { idempotentSends: false }, rateLimit: { perSecond: 2 } });
  await f.rows(sql`update channel_accounts set rate_unit = 'segment' where id = ${sender.id}`);
  return sender;
}
const segments = (ids: string[], n: number) =>
  f.rows(sql`update messages set segments = ${n} where id = any(${sql.param(ids)}::text[])`);
const twoSegments = (ids: string[]) => segments(ids, 2);

describe("sender leases and rate state", () => {
  it("gives a message back with its place in the queue: later messages to the recipient do not overtake it", async () => {
    const sender = await segmentSender();
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push(await sendTo(sender.id, "+442079620001"));
    // 4 segments each: the second waits two seconds after the first is answered, time enough (even on a
    // loaded machine) to stop the worker once it gave the message back, before it could claim it again.
    await segments(ids, 4);
    const [, second = ""] = ids;
    const dueMs = async () =>
      (
        await f.rows<{ due_ms: number | null; status: string; requeued: boolean }>(
          sql`select floor(extract(epoch from due_at) * 1000)::float8 as due_ms, status,
            exists (select 1 from message_events e where e.message_id = m.id and e.type = 'requeued') as requeued
          from messages m where id = ${second}`,
        )
      )[0];
    const original = (await dueMs())?.due_ms;
    expect(original).toBeGreaterThan(0);
    const stopFirst = await dispatcher("d1");
    await waitUntil(async () => (await dueMs())?.requeued === true, {
      what: "the second message given back",
    });
    await stopFirst();
    // Read before any next claim: queued again, due when it was due at first.
    expect(await dueMs()).toMatchObject({ status: "queued", due_ms: original });
    await dispatcher("d2");
    await waitUntil(allSent(ids), { what: "all sent" });
    expect(calls.filter((c) => c.ok).map((c) => c.messageId)).toEqual(ids);
  });

  it("keeps a sender's rate when it gives messages back: a wait longer than the lease is no lost lease", async () => {
    const sender = await segmentSender();
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push(await sendTo(sender.id, `+44207962100${n}`));
    await twoSegments(ids);
    // The first is 6 segments: it holds the sender for (6 - 2) segments at 2/s after it starts (2.1 s).
    await f.rows(sql`update messages set segments = 6 where id = ${ids[0] ?? ""}`);
    await dispatcher("d1");
    await dispatcher("d2");
    await waitUntil(allSent(ids), { what: "all sent" });
    const sends = calls.filter((c) => c.ok).sort((a, b) => a.start - b.start);
    expect(sends.map((c) => c.messageId)).toEqual(ids);
    const [a, b, c] = sends;
    expect((b?.start ?? 0) - (a?.start ?? 0)).toBeGreaterThanOrEqual(2_050);
    // 2 segments at 2 segments/s: a whole window after the previous one was answered.
    expect((c?.start ?? 0) - (b?.end ?? 0)).toBeGreaterThanOrEqual(1_000);
  });

  it("hands a provider's pause (RATE_LIMITED, Retry-After) over with the sender: nothing is sent before it ends", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: false }, rateLimit: { perSecond: 50 } });
    recorder.failFor("+442079622001", { code: "RATE_LIMITED", retryAfterMs: 2_000, times: 1 });
    const limited = await sendTo(sender.id, "+442079622001");
    const stopFirst = await dispatcher("d1");
    await waitUntil(() => calls.some((c) => !c.ok && c.end > 0), { what: "the rate-limited answer" });
    const pausedAt = calls.find((c) => !c.ok)?.end ?? 0;
    const other = await sendTo(sender.id, "+442079622002");
    await sleep(200);
    // The sender changes hands during the pause.
    await stopFirst();
    await dispatcher("d2");
    await waitUntil(allSent([limited, other]), { what: "both sent" });
    const after = calls.filter((c) => c.start > pausedAt);
    expect(after.map((c) => c.messageId).sort()).toEqual([limited, other].sort());
    for (const c of after) expect(c.start).toBeGreaterThanOrEqual(pausedAt + 2_000);
  });

  it("renews the lease while sends are still in flight at the end of a run: no other worker sends meanwhile", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: false }, rateLimit: { perSecond: 2 } });
    slow.set("+442079623001", 3_000);
    const first = await sendTo(sender.id, "+442079623001");
    // The holder runs out of work while the slow send is in flight and ends its run, waiting for the
    // answer (1.5 s leases: twice as long as the send, and long enough that a loaded machine renews them
    // in time); the other dispatcher looks on.
    await dispatcher("d1", { idleReleaseMs: 50, senderLeaseMs: 1_500 });
    await dispatcher("d2", { idleReleaseMs: 50, senderLeaseMs: 1_500 });
    await waitUntil(() => calls.length > 0, { what: "the slow send started" });
    await sleep(300);
    const later = [await sendTo(sender.id, "+442079623002"), await sendTo(sender.id, "+442079623003")];
    await waitUntil(allSent([first, ...later]), { what: "all sent" });
    expect(calls).toHaveLength(3);
    // 2 messages/s, each counted from its start until a window after its answer: never more than two.
    for (const x of calls) {
      const counted = calls.filter((y) => y !== x && y.start <= x.start && y.end + 1_000 > x.start);
      expect(counted.length + 1).toBeLessThanOrEqual(2);
    }
  });
});
