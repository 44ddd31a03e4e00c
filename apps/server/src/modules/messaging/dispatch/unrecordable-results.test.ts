import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../../test/server.js";
import { ChannelError, createAdapter, type TChannelAdapter } from "../../channels/index.js";
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
});
