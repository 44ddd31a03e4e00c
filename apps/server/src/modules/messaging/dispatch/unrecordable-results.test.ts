import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../../test/server.js";
import { withSystemTx } from "../../../core/db/tx.js";
import { ChannelError, createAdapter, type TChannelAdapter } from "../../channels/index.js";
import { listLedgerEntries } from "../../consent/index.js";
import { listUnreachable } from "../../inbound/index.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  waitUntil,
} from "../testing/messaging-fixture.js";
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

/** The fake adapter, answering some recipients as scripted (an error, or a provider id). */
function scripted(
  answers: Map<string, Error | string>,
): (account: unknown, credentials: unknown) => TChannelAdapter {
  return (_account, credentials) => {
    const inner = createAdapter("fake", credentials, {});
    return {
      ...inner,
      send: async (m) => {
        const answer = answers.get(m.to);
        if (answer instanceof Error) throw answer;
        if (answer !== undefined) return { providerMessageId: answer, acceptedAt: new Date() };
        return inner.send(m);
      },
    };
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

async function rowOf(id: string) {
  const r = await f.rows<{
    status: string;
    reason: string | null;
    error_code: string | null;
    error_message: string | null;
  }>(sql`select status, reason, error_code, error_message from messages where id = ${id}`);
  const row = r[0];
  if (!row) throw new Error("no message");
  return row;
}

const settled = (ids: string[]) => async () => {
  for (const id of ids) if (["queued", "sending"].includes((await rowOf(id)).status)) return false;
  return true;
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("send results a provider made unrecordable", () => {
  it("records a batch holding an error text cut in half an emoji and one holding a NUL: sanitized, with the good send", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: false } });
    // Cut at 200 UTF-16 units, as provider texts are elsewhere: 199 units, then the first half of the pair.
    const halfEmoji = `${"e".repeat(199)}🙂`.slice(0, 200);
    expect(LONE_SURROGATE.test(halfEmoji)).toBe(true);
    const answers = new Map<string, Error | string>([
      ["+442079600001", new ChannelError("REJECTED", { message: halfEmoji, providerCode: "21211" })],
      ["+442079600002", new ChannelError("REJECTED", { message: "bad\u0000text", providerCode: "x\u0000y" })],
    ]);
    const cut = await sendTo(sender.id, "+442079600001");
    const nul = await sendTo(sender.id, "+442079600002");
    const good = await sendTo(sender.id, "+442079600003");
    // The three answers are recorded together (one batch, one transaction).
    stop = await startDispatcher(s.ctx, {
      createAdapter: scripted(answers),
      pollMs: 20,
      recordEveryMs: 300,
      ...(s.database.url ? { listenUrl: s.database.url } : {}),
    });
    await waitUntil(settled([cut, nul, good]), { what: "the three results recorded" });
    expect(await rowOf(good)).toMatchObject({ status: "sent" });
    const a = await rowOf(cut);
    expect(a).toMatchObject({ status: "failed", reason: "provider_rejected", error_code: "21211" });
    expect(a.error_message).toBe(`${"e".repeat(199)}\uFFFD`);
    const b = await rowOf(nul);
    expect(b).toMatchObject({ status: "failed", reason: "provider_rejected", error_code: "xy" });
    expect(b.error_message).toBe("badtext");
    // The timeline (jsonb) has it too.
    expect((await f.message(cut)).timeline.at(-1)).toMatchObject({ type: "failed" });
  });

  it("dead-letters a result the database still refuses and records the rest of its batch", async () => {
    const sender = await f.sender({ credentials: { idempotentSends: false } });
    // A refusal no cleaning can foresee (here a trigger: a check violation on one provider id).
    await s.ctx.db.execute(sql`create function test_refuse_poison() returns trigger language plpgsql as $$
      begin
        if new.provider_message_id = 'poison' then raise exception 'refused' using errcode = '23514'; end if;
        return new;
      end $$`);
    await s.ctx.db.execute(sql`create trigger test_refuse_poison before update on messages
      for each row execute function test_refuse_poison()`);
    try {
      const answers = new Map<string, Error | string>([
        ["+442079610001", "poison"],
        ["+442079610002", new ChannelError("REJECTED", { message: "no", providerCode: "21211" })],
      ]);
      const poisoned = await sendTo(sender.id, "+442079610001");
      const rejected = await sendTo(sender.id, "+442079610002");
      const good = await sendTo(sender.id, "+442079610003");
      stop = await startDispatcher(s.ctx, {
        createAdapter: scripted(answers),
        pollMs: 20,
        recordEveryMs: 300,
        ...(s.database.url ? { listenUrl: s.database.url } : {}),
      });
      await waitUntil(settled([poisoned, rejected, good]), { what: "the three results recorded" });
      expect(await rowOf(good)).toMatchObject({ status: "sent" });
      expect(await rowOf(rejected)).toMatchObject({ status: "failed", reason: "provider_rejected" });
      // The provider accepted it: never resent, reconciled from its status webhooks.
      expect(await rowOf(poisoned)).toMatchObject({ status: "unknown", reason: "send_result_unrecordable" });
      expect((await f.message(poisoned)).timeline.at(-1)).toMatchObject({
        type: "unknown",
        reason: "send_result_unrecordable",
      });
    } finally {
      await s.ctx.db.execute(sql`drop trigger test_refuse_poison on messages`);
      await s.ctx.db.execute(sql`drop function test_refuse_poison()`);
    }
  });

  it("keeps a refused failure's provider opt-out and unreachable mark in its dead letter: only the provider's text is dropped", async () => {
    // A Twilio sender (its 21610 is an opt-out), answered by a scripted fake.
    const sender = await f.sender({
      channel: "sms",
      providerId: "twilio",
      credentials: {
        accountSid: `AC${"2".repeat(32)}`,
        authToken: "secret-token-value",
        from: "+14155550199",
      },
      rateLimit: { perSecond: 100 },
    });
    // Provider texts the database refuses, whatever cleaning did (a check violation in a trigger).
    await s.ctx.db.execute(sql`create function test_refuse_text() returns trigger language plpgsql as $$
      begin
        if new.error_message like 'refused:%' then raise exception 'refused' using errcode = '23514'; end if;
        return new;
      end $$`);
    await s.ctx.db.execute(sql`create trigger test_refuse_text before update on messages
      for each row execute function test_refuse_text()`);
    try {
      const send = async (to: string) => {
        const r = await f.send({
          to,
          channel: "sms",
          brandId: f.brandId,
          category: "transactional",
          body: "x",
          channelAccountId: sender.id,
        });
        return r.json() as { id: string; contactId: string; status: string; reason?: string };
      };
      const optedOut = await send("+442079620001");
      const blocked = await send("+442079620002");
      const answers = new Map<string, Error>([
        [
          "+442079620001",
          new ChannelError("RECIPIENT_OPTED_OUT", {
            message: "refused: unsubscribed",
            providerCode: "21610",
          }),
        ],
        [
          "+442079620002",
          new ChannelError("RECIPIENT_BLOCKED", { message: "refused: blocked", providerCode: "30004" }),
        ],
      ]);
      stop = await startDispatcher(s.ctx, {
        createAdapter: () => {
          const inner = createAdapter("fake", { channel: "sms", idempotentSends: false }, {});
          return { ...inner, send: (m) => Promise.reject(answers.get(m.to) ?? new Error("unexpected send")) };
        },
        pollMs: 20,
        recordEveryMs: 300,
        ...(s.database.url ? { listenUrl: s.database.url } : {}),
      });
      await waitUntil(settled([optedOut.id, blocked.id]), { what: "both results recorded" });
      // Dead letters, with the provider's code but not its refused text.
      expect(await rowOf(optedOut.id)).toMatchObject({
        status: "failed",
        reason: "send_result_unrecordable",
        error_code: "21610",
        error_message: null,
      });
      expect(await rowOf(blocked.id)).toMatchObject({ status: "failed", reason: "send_result_unrecordable" });
      // The opt-out is in the consent ledger: the brand cannot message the person again.
      const ledger = await withSystemTx(s.ctx.db, (tx) =>
        listLedgerEntries(tx, { workspaceId: f.workspaceId, contactId: optedOut.contactId, limit: 100 }),
      );
      expect(ledger.filter((e) => e.kind === "opt_out")).toMatchObject([
        { method: "provider_preference", scope: "all", brandId: f.brandId },
      ]);
      expect(await send("+442079620001")).toMatchObject({ status: "suppressed", reason: "opted_out" });
      // The blocked recipient is marked unreachable on the sender.
      const unreachable = await withSystemTx(s.ctx.db, (tx) =>
        listUnreachable(tx, {
          pairs: [optedOut, blocked].map((m) => ({
            workspaceId: f.workspaceId,
            channelAccountId: sender.id,
            contactId: m.contactId,
          })),
        }),
      );
      expect([...unreachable]).toEqual([`${sender.id}:${blocked.contactId}`]);
    } finally {
      await s.ctx.db.execute(sql`drop trigger test_refuse_text on messages`);
      await s.ctx.db.execute(sql`drop function test_refuse_text()`);
    }
  });

  it("records the provider opt-out even when the database refuses the provider's code itself", async () => {
    const sender = await f.sender({
      channel: "sms",
      providerId: "twilio",
      credentials: {
        accountSid: `AC${"3".repeat(32)}`,
        authToken: "secret-token-value",
        from: "+14155550198",
      },
    });
    await s.ctx.db.execute(sql`create function test_refuse_code() returns trigger language plpgsql as $$
      begin
        if new.error_code = '21610' then raise exception 'refused' using errcode = '22023'; end if;
        return new;
      end $$`);
    await s.ctx.db.execute(sql`create trigger test_refuse_code before update on messages
      for each row execute function test_refuse_code()`);
    try {
      const r = await f.send({
        to: "+442079630001",
        channel: "sms",
        brandId: f.brandId,
        category: "transactional",
        body: "x",
        channelAccountId: sender.id,
      });
      const m = r.json() as { id: string; contactId: string };
      const refusal = new ChannelError("RECIPIENT_OPTED_OUT", {
        message: "unsubscribed",
        providerCode: "21610",
      });
      stop = await startDispatcher(s.ctx, {
        createAdapter: () => {
          const inner = createAdapter("fake", { channel: "sms", idempotentSends: false }, {});
          return { ...inner, send: () => Promise.reject(refusal) };
        },
        pollMs: 20,
        recordEveryMs: 5,
        ...(s.database.url ? { listenUrl: s.database.url } : {}),
      });
      await waitUntil(settled([m.id]), { what: "the result recorded" });
      expect(await rowOf(m.id)).toMatchObject({
        status: "failed",
        reason: "send_result_unrecordable",
        error_code: null,
        error_message: null,
      });
      const ledger = await withSystemTx(s.ctx.db, (tx) =>
        listLedgerEntries(tx, { workspaceId: f.workspaceId, contactId: m.contactId, limit: 100 }),
      );
      expect(ledger.filter((e) => e.kind === "opt_out")).toMatchObject([{ method: "provider_preference" }]);
    } finally {
      await s.ctx.db.execute(sql`drop trigger test_refuse_code on messages`);
      await s.ctx.db.execute(sql`drop function test_refuse_code()`);
    }
  });
});
