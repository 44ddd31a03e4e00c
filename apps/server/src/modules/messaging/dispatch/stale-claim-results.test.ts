import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../../test/server.js";
import { withSystemTx } from "../../../core/db/tx.js";
import { createAdapter, type TChannelAdapter } from "../../channels/index.js";
import { applyStatusEvent } from "../apply-status-event.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  waitUntil,
} from "../testing/messaging-fixture.js";
import { claimMessages } from "./claim-messages.js";
import { reapExpiredLeases } from "./reap-expired-leases.js";
import { recordSendResults, type TResultClaim, type TSendResultItem } from "./record-send-results.js";
import { startDispatcher } from "./start-dispatcher.js";

let s: TTestServer;
let f: TMessagingFixture;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  s = await messagingTestServer();
  f = await messagingFixture(s);
});
afterAll(async () => s.close());
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/**
 * Claim a sender's due messages as worker `holder` (taking its sender lease from whoever held it), as a
 * worker does, without sending. The sender lease is left lapsed, so that a dispatcher may take it next.
 */
async function claimAs(
  accountId: string,
  holder: string,
  o: { idempotentSends: boolean; messageLeaseMs: number },
): Promise<void> {
  await withSystemTx(s.ctx.db, async (tx) => {
    await tx.execute(sql`insert into sender_leases (channel_account_id, workspace_id, holder, lease_until, acquired_at)
      values (${accountId}, ${f.workspaceId}, ${holder}, now() + interval '1 minute', now())
      on conflict (channel_account_id) do update set holder = excluded.holder, lease_until = excluded.lease_until`);
    const r = await claimMessages(tx, {
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
    if (r.lost || r.claimed.length === 0) throw new Error(`nothing claimed by ${holder}`);
    await tx.execute(sql`update sender_leases set lease_until = now() - interval '1 second'
      where channel_account_id = ${accountId}`);
  });
}

/** Let the claims' leases (1 ms) lapse and run crash recovery. */
async function expireAndReap(): Promise<{ unknown: number; requeued: number }> {
  await sleep(20);
  return reapExpiredLeases(s.ctx.db);
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

async function rowOf(id: string) {
  const r = await f.rows<{
    status: string;
    reason: string | null;
    lease_holder: string | null;
    attempts: number;
    error_code: string | null;
    provider_message_id: string | null;
  }>(
    sql`select status, reason, lease_holder, attempts, error_code, provider_message_id from messages where id = ${id}`,
  );
  const row = r[0];
  if (!row) throw new Error("no message");
  return row;
}

const record = (item: TSendResultItem) =>
  withSystemTx(s.ctx.db, (tx) => recordSendResults(tx, [item], new Date()));

const retry = (id: string, claim: TResultClaim, dueAt = new Date(Date.now() + 60_000)): TSendResultItem => ({
  kind: "retry",
  id,
  workspaceId: f.workspaceId,
  claim,
  dueAt,
  reason: "provider_unavailable",
  errorCode: "UNAVAILABLE",
  errorMessage: "timeout",
});

const failed = (id: string, claim: TResultClaim, senderId: string, errorCode = "21211"): TSendResultItem => ({
  kind: "failed",
  id,
  workspaceId: f.workspaceId,
  claim,
  contactId: "ctc_none",
  channelAccountId: senderId,
  reason: "invalid_recipient",
  errorCode,
  errorMessage: "no such number",
  markUnreachable: false,
  statusCallbackUrl: null,
  callbackKeyId: null,
});

const sent = (id: string, claim: TResultClaim, senderId: string): TSendResultItem => ({
  kind: "sent",
  id,
  workspaceId: f.workspaceId,
  claim,
  channelAccountId: senderId,
  providerMessageId: `fake_${id}`,
  acceptedAt: new Date(),
  statusCallbackUrl: null,
  callbackKeyId: null,
});

const timelineOf = async (id: string) => (await f.message(id)).timeline.map((e) => e.type);

describe("a late answer of a claim whose lease expired", () => {
  it("never overwrites a newer claim: its retry and failure are dropped, the newer claim's own answer counts", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: true } });
    const id = await sendTo(sender.id, "+442079700001");
    const old: TResultClaim = { holder: "w-old", attempts: 1 };
    await claimAs(sender.id, old.holder, { idempotentSends: true, messageLeaseMs: 1 });
    expect(await expireAndReap()).toMatchObject({ requeued: 1 });
    // Another worker claims it again while the first one's provider call is still out.
    await claimAs(sender.id, "w-new", { idempotentSends: true, messageLeaseMs: 60_000 });
    const inNewClaim = { status: "sending", lease_holder: "w-new", attempts: 2, error_code: null };
    expect(await rowOf(id)).toMatchObject(inNewClaim);
    const before = await timelineOf(id);
    // The first worker's answer arrives late: a retry would queue it while the new claim sends it (a
    // duplicate send); a failure would fail a message being sent.
    await record(retry(id, old, new Date()));
    expect(await rowOf(id)).toMatchObject(inNewClaim);
    await record(failed(id, old, sender.id));
    expect(await rowOf(id)).toMatchObject(inNewClaim);
    expect(await timelineOf(id)).toEqual(before);
    // The new claim's own answer is recorded.
    await record(retry(id, { holder: "w-new", attempts: 2 }));
    expect(await rowOf(id)).toMatchObject({
      status: "queued",
      reason: "provider_unavailable",
      lease_holder: null,
      attempts: 2,
    });
    expect((await timelineOf(id)).at(-1)).toBe("retry_scheduled");
  });

  it("still counts for a message crash recovery turned unknown after that claim, not after a later one", async () => {
    const plain = await f.sender({ credentials: { idempotentSends: false } });
    const lateFailure = await sendTo(plain.id, "+442079710001");
    const lateSent = await sendTo(plain.id, "+442079710002");
    const claim: TResultClaim = { holder: "w-dead", attempts: 1 };
    await claimAs(plain.id, claim.holder, { idempotentSends: false, messageLeaseMs: 1 });
    expect(await expireAndReap()).toMatchObject({ unknown: 2 });
    expect(await rowOf(lateFailure)).toMatchObject({ status: "unknown", lease_holder: null, attempts: 1 });
    // Reconciled, never resent: the answer of the claim that made it unknown still counts.
    await record(failed(lateFailure, claim, plain.id));
    expect(await rowOf(lateFailure)).toMatchObject({ status: "failed", error_code: "21211" });
    await record(sent(lateSent, claim, plain.id));
    expect(await rowOf(lateSent)).toMatchObject({ status: "sent", provider_message_id: `fake_${lateSent}` });

    // Unknown after a later claim (attempts 2): the first claim's failure says nothing about that one.
    const idem = await f.sender({ credentials: { idempotentSends: true } });
    const id = await sendTo(idem.id, "+442079710003");
    await claimAs(idem.id, "w-1", { idempotentSends: true, messageLeaseMs: 1 });
    await expireAndReap();
    await claimAs(idem.id, "w-2", { idempotentSends: false, messageLeaseMs: 1 });
    await expireAndReap();
    expect(await rowOf(id)).toMatchObject({ status: "unknown", attempts: 2 });
    await record(failed(id, { holder: "w-1", attempts: 1 }, idem.id));
    expect(await rowOf(id)).toMatchObject({ status: "unknown", reason: "lease_expired" });
    await record(failed(id, { holder: "w-2", attempts: 2 }, idem.id));
    expect(await rowOf(id)).toMatchObject({ status: "failed", reason: "invalid_recipient" });
  });

  it("records a late sent over a newer claim in flight (forward), never over the newer claim's recorded answer", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: true } });
    const inFlight = await sendTo(sender.id, "+442079720001");
    const answered = await sendTo(sender.id, "+442079720002");
    const delivered = await sendTo(sender.id, "+442079720003");
    const old: TResultClaim = { holder: "w-old", attempts: 1 };
    const next: TResultClaim = { holder: "w-new", attempts: 2 };
    await claimAs(sender.id, old.holder, { idempotentSends: true, messageLeaseMs: 1 });
    expect(await expireAndReap()).toMatchObject({ requeued: 3 });
    await claimAs(sender.id, next.holder, { idempotentSends: true, messageLeaseMs: 60_000 });

    // The provider has it: `sent` ends the newer claim, whose answer (the same message at an idempotent
    // provider) then changes nothing.
    await record(sent(inFlight, old, sender.id));
    expect(await rowOf(inFlight)).toMatchObject({ status: "sent", provider_message_id: `fake_${inFlight}` });
    await record(failed(inFlight, next, sender.id));
    await record(sent(inFlight, next, sender.id));
    expect(await rowOf(inFlight)).toMatchObject({ status: "sent", error_code: null, lease_holder: null });

    // The newer claim answered first: its failure stands (a late sent never moves a message back).
    await record(failed(answered, next, sender.id));
    await record(sent(answered, old, sender.id));
    expect(await rowOf(answered)).toMatchObject({ status: "failed", provider_message_id: null });

    // So does what the provider reported since.
    await record(sent(delivered, next, sender.id));
    await withSystemTx(s.ctx.db, (tx) =>
      applyStatusEvent(tx, {
        workspaceId: f.workspaceId,
        channelAccountId: sender.id,
        providerMessageId: `fake_${delivered}`,
        status: "delivered",
        at: new Date(),
      }),
    );
    await record(sent(delivered, old, sender.id));
    expect(await rowOf(delivered)).toMatchObject({ status: "delivered" });
  });

  it("does not send twice: a dispatcher's claim in flight keeps the message when the dead worker's retry arrives", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: true } });
    const id = await sendTo(sender.id, "+442079730001");
    const dead: TResultClaim = { holder: "w-dead", attempts: 1 };
    await claimAs(sender.id, dead.holder, { idempotentSends: true, messageLeaseMs: 1 });
    await sleep(20);
    // The dispatcher's crash recovery queues it again, and the dispatcher claims it and calls the
    // provider, which holds the call until the gate opens.
    const calls: string[] = [];
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const gated = (credentials: unknown): TChannelAdapter => {
      const inner = createAdapter("fake", credentials, {});
      return {
        ...inner,
        send: async (m) => {
          calls.push(m.messageId);
          await gate;
          return inner.send(m);
        },
      };
    };
    stop = await startDispatcher(s.ctx, {
      workerId: "w-live",
      // Only this test's sender is held at the gate (another test's leftovers are sent as usual).
      createAdapter: (account, credentials) =>
        account.id === sender.id ? gated(credentials) : createAdapter("fake", credentials, {}),
      pollMs: 20,
      reapEveryMs: 20,
      recordEveryMs: 5,
      ...(s.database.url ? { listenUrl: s.database.url } : {}),
    });
    try {
      await waitUntil(() => calls.length === 1, { what: "the new claim's provider call" });
      expect(await rowOf(id)).toMatchObject({ status: "sending", lease_holder: "w-live", attempts: 2 });
      // The dead worker's provider call answers now: retry at once.
      await record(retry(id, dead, new Date()));
      await sleep(300);
      expect(calls).toEqual([id]);
      expect(await rowOf(id)).toMatchObject({ status: "sending", lease_holder: "w-live", attempts: 2 });
    } finally {
      open();
    }
    await waitUntil(async () => (await rowOf(id)).status === "sent", { what: "sent" });
    expect(calls).toEqual([id]);
  });
});
