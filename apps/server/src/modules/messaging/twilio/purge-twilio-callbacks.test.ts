import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEngine } from "../../../../test/harness.js";
import type { TTestServer } from "../../../../test/server.js";
import { workerTasks } from "../../../background.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  waitUntil,
} from "../testing/messaging-fixture.js";
import { deliverTwilioCallbacks, type TPostCallback } from "./deliver-twilio-callbacks.js";
import { purgeTwilioCallbacks, TWILIO_CALLBACK_RETENTION_MS } from "./purge-twilio-callbacks.js";
import { twilioCallbackRecurringJobs } from "./twilio-callback-jobs.js";

let s: TTestServer;
let f: TMessagingFixture;
let phone = 0;
/** The MessageSids of every callback posted. */
const posted: string[] = [];
const post: TPostCallback = async (o) => {
  posted.push(new URLSearchParams(o.body).get("MessageSid") ?? "");
  return { statusCode: 204, durationMs: 0, error: null };
};
const deliver = () => deliverTwilioCallbacks(s.ctx, { allowPrivateUrls: true, post });

beforeAll(async () => {
  s = await messagingTestServer();
  f = await messagingFixture(s, "Callback retention");
  await f.sender({ providerId: "sandbox", address: "+15005550006" });
});
afterAll(async () => s.close());

/** A new API key of the workspace that may send through the Twilio-compatible endpoint. */
async function apiKey(): Promise<{ id: string; key: string }> {
  const made = await s.app.inject({
    method: "POST",
    url: "/v1/api-keys",
    headers: f.auth,
    payload: { name: "twilio", scopes: ["messages:send", "messages:read"] },
  });
  expect(made.statusCode).toBe(201);
  return made.json() as { id: string; key: string };
}

/**
 * A message sent with `key` asking for StatusCallbacks, then suppressed by its recipient's opt-out: its
 * callback (`failed`, 21610) is queued, due at once. Returns the message's id and Twilio sid.
 */
async function callbackOf(key: string): Promise<{ id: string; sid: string }> {
  phone += 1;
  const to = `+1415555${String(2000 + phone)}`;
  const c = await f.contact("sandbox", to);
  await f.grant(c.contactId);
  const r = await s.app.inject({
    method: "POST",
    url: `/2010-04-01/Accounts/${f.ws.accountSid}/Messages.json`,
    headers: {
      authorization: `Basic ${Buffer.from(`${f.ws.accountSid}:${key}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    payload: new URLSearchParams({
      To: to,
      From: "+15005550006",
      Body: "x",
      StatusCallback: "http://127.0.0.1:9/status",
    }).toString(),
  });
  expect(r.statusCode).toBe(201);
  await f.optOut(c.contactId);
  const sid = String(r.json().sid);
  const [m] = await f.rows<{ id: string }>(sql`select id from messages where twilio_sid = ${sid}`);
  return { id: m?.id ?? "", sid };
}

interface TCallbackRow {
  message_id: string;
  delivered: boolean;
  given_up: boolean;
  last_error: string | null;
}
const callbacksOf = (messageIds: string[]) =>
  f.rows<TCallbackRow>(
    sql`select message_id, delivered_at is not null as delivered,
        next_attempt_at = 'infinity'::timestamptz as given_up, last_error
      from twilio_status_callbacks where message_id = any(${sql.param(messageIds)}::text[]) order by id`,
  );
const keysKept = async (ids: string[]) =>
  (
    await f.rows<{ api_key_id: string }>(
      sql`select api_key_id from twilio_callback_keys where api_key_id = any(${sql.param(ids)}::text[])
        order by api_key_id`,
    )
  ).map((r) => r.api_key_id);
/** Make a message's callbacks look queued `days` ago. */
const age = (messageId: string, days: number) =>
  f.rows(
    sql`update twilio_status_callbacks set created_at = now() - ${days}::int * interval '1 day'
      where message_id = ${messageId} returning id`,
  );

describe("purgeTwilioCallbacks", () => {
  it("deletes finished callbacks past 30 days and the secrets of keys that can no longer sign", async () => {
    expect(TWILIO_CALLBACK_RETENTION_MS).toBe(30 * 86_400_000);
    const live = await apiKey();
    const expired = await apiKey();
    const revoked = await apiKey();
    const oldDelivered = await callbackOf(live.key);
    const recentDelivered = await callbackOf(live.key);
    expect(await deliver()).toBe(2);
    const oldGivenUp = await callbackOf(live.key);
    // Given up on as the deliverer does after its last attempt.
    await f.rows(
      sql`update twilio_status_callbacks set next_attempt_at = 'infinity', last_error = 'HTTP 500', attempts = 10
        where message_id = ${oldGivenUp.id} returning id`,
    );
    const oldPending = await callbackOf(live.key);
    const expiredPending = await callbackOf(expired.key);
    const revokedPending = await callbackOf(revoked.key);
    await age(oldDelivered.id, 31);
    await age(oldGivenUp.id, 31);
    await age(oldPending.id, 45);
    await age(recentDelivered.id, 29);
    await f.rows(sql`update api_keys set expires_at = now() - interval '1 minute' where id = ${expired.id}
      returning id`);
    // Revoked without the revocation's own clean-up (a secret stored again by a send another process let
    // through in the seconds its cache still knew the key): the purge deletes it.
    await s.database.query(
      "alter table api_keys disable trigger api_key_revoked_forgets_twilio_callback_key",
    );
    await s.database.query("update api_keys set revoked_at = now() where id = $1", [revoked.id]);
    await s.database.query("alter table api_keys enable trigger api_key_revoked_forgets_twilio_callback_key");
    expect(await keysKept([live.id, expired.id, revoked.id])).toEqual(
      [live.id, expired.id, revoked.id].sort(),
    );

    expect(await purgeTwilioCallbacks(s.ctx.db, { batch: 1 })).toEqual({ callbacks: 2, keys: 2 });

    const ids = [oldDelivered, recentDelivered, oldGivenUp, oldPending, expiredPending].map((m) => m.id);
    expect(await callbacksOf(ids)).toEqual([
      { message_id: recentDelivered.id, delivered: true, given_up: false, last_error: null },
      { message_id: oldPending.id, delivered: false, given_up: false, last_error: null },
      { message_id: expiredPending.id, delivered: false, given_up: false, last_error: null },
    ]);
    // The live key keeps its secret: its pending callback (however old) is still signed and delivered.
    expect(await keysKept([live.id, expired.id, revoked.id])).toEqual([live.id]);
    posted.length = 0;
    expect(await deliver()).toBe(1);
    expect(posted).toEqual([oldPending.sid]);
    // The expired key's callback is given up on, saying why; the revoked key's too.
    expect(await callbacksOf([expiredPending.id, revokedPending.id])).toEqual([
      { message_id: expiredPending.id, delivered: false, given_up: true, last_error: "API key expired" },
      { message_id: revokedPending.id, delivered: false, given_up: true, last_error: "API key revoked" },
    ]);
    // The old pending callback, delivered now, goes with the next run; the recent one stays.
    expect(await purgeTwilioCallbacks(s.ctx.db)).toEqual({ callbacks: 1, keys: 0 });
    expect((await callbacksOf(ids)).map((c) => c.message_id)).toEqual([
      recentDelivered.id,
      expiredPending.id,
    ]);
  });

  it("on revocation, gives up the key's pending callbacks and deletes its secret at once", async () => {
    const revoked = await apiKey();
    const other = await apiKey();
    const delivered = await callbackOf(revoked.key);
    expect(await deliver()).toBe(1);
    const pending = await callbackOf(revoked.key);
    const untouched = await callbackOf(other.key);
    expect(await keysKept([revoked.id, other.id])).toEqual([revoked.id, other.id].sort());

    const r = await s.app.inject({ method: "DELETE", url: `/v1/api-keys/${revoked.id}`, headers: f.auth });
    expect(r.statusCode).toBe(204);

    expect(await keysKept([revoked.id, other.id])).toEqual([other.id]);
    expect(await callbacksOf([delivered.id, pending.id, untouched.id])).toEqual([
      { message_id: delivered.id, delivered: true, given_up: false, last_error: null },
      { message_id: pending.id, delivered: false, given_up: true, last_error: "API key revoked" },
      { message_id: untouched.id, delivered: false, given_up: false, last_error: null },
    ]);
    posted.length = 0;
    expect(await deliver()).toBe(1);
    expect(posted).toEqual([untouched.sid]);
  });

  it("never signs with a revoked key, even when its secret was stored again", async () => {
    const k = await apiKey();
    const m = await callbackOf(k.key);
    const [sealed] = await f.rows<{ token_sealed: string }>(
      sql`select token_sealed from twilio_callback_keys where api_key_id = ${k.id}`,
    );
    const r = await s.app.inject({ method: "DELETE", url: `/v1/api-keys/${k.id}`, headers: f.auth });
    expect(r.statusCode).toBe(204);
    // Stored again and the callback due again (a send another process's cache let through).
    await f.rows(sql`insert into twilio_callback_keys (api_key_id, workspace_id, token_sealed)
      values (${k.id}, ${f.workspaceId}, ${sealed?.token_sealed ?? ""}) returning api_key_id`);
    await f.rows(sql`update twilio_status_callbacks set next_attempt_at = now(), last_error = null
      where message_id = ${m.id} returning id`);
    posted.length = 0;
    expect(await deliver()).toBe(0);
    expect(posted).toEqual([]);
    expect(await callbacksOf([m.id])).toEqual([
      { message_id: m.id, delivered: false, given_up: true, last_error: "API key revoked" },
    ]);
    expect((await purgeTwilioCallbacks(s.ctx.db)).keys).toBe(1);
    expect(await keysKept([k.id])).toEqual([]);
  });

  it("runs from several purges at once without error, each row deleted once", async () => {
    const k = await apiKey();
    const m = await callbackOf(k.key);
    await f.rows(sql`insert into twilio_status_callbacks (workspace_id, message_id, url, status, api_key_id,
        next_attempt_at, delivered_at, created_at)
      select ${f.workspaceId}, ${m.id}, 'http://127.0.0.1:9/status', 'sent', ${k.id}, now(),
        now() - interval '40 days', now() - interval '40 days'
      from generate_series(1, 400) returning id`);
    await f.rows(sql`insert into twilio_callback_keys (api_key_id, workspace_id, token_sealed)
      select 'key_gone_' || n, ${f.workspaceId}, 'sealed' from generate_series(1, 60) n returning api_key_id`);
    const runs = await Promise.all([
      purgeTwilioCallbacks(s.ctx.db, { batch: 25 }),
      purgeTwilioCallbacks(s.ctx.db, { batch: 25 }),
      purgeTwilioCallbacks(s.ctx.db, { batch: 25 }),
    ]);
    expect(runs.reduce((n, r) => n + r.callbacks, 0)).toBe(400);
    expect(runs.reduce((n, r) => n + r.keys, 0)).toBe(60);
    // The message's own (pending) callback and its live key stay.
    expect(await callbacksOf([m.id])).toEqual([
      { message_id: m.id, delivered: false, given_up: false, last_error: null },
    ]);
    expect(await keysKept([k.id])).toEqual([k.id]);
    expect(await deliver()).toBe(1);
  });

  it.runIf(testEngine === "postgres")(
    "never waits for rows another purge holds: it deletes the others and leaves those to their holder",
    async () => {
      const k = await apiKey();
      const m = await callbackOf(k.key);
      expect(await deliver()).toBe(1);
      await f.rows(sql`insert into twilio_status_callbacks (workspace_id, message_id, url, status, api_key_id,
          next_attempt_at, delivered_at, created_at)
        select ${f.workspaceId}, ${m.id}, 'http://127.0.0.1:9/status', 'sent', ${k.id}, now(),
          now() - interval '40 days', now() - interval '40 days'
        from generate_series(1, 30) returning id`);
      await f.rows(sql`insert into twilio_callback_keys (api_key_id, workspace_id, token_sealed)
        select 'key_held_' || n, ${f.workspaceId}, 'sealed' from generate_series(1, 4) n returning api_key_id`);
      const other = new pg.Client({ connectionString: s.database.url });
      await other.connect();
      try {
        await other.query("begin");
        await other.query(
          `select id from twilio_status_callbacks where message_id = $1
          and created_at < now() - interval '30 days' order by id limit 10 for update`,
          [m.id],
        );
        await other.query(
          "select 1 from twilio_callback_keys where api_key_id like 'key_held_%' limit 2 for update",
        );
        const run = purgeTwilioCallbacks(s.ctx.db, { batch: 8 });
        const timeout = new Promise<"waited">((r) => setTimeout(() => r("waited"), 5_000).unref());
        expect(await Promise.race([run, timeout])).toEqual({ callbacks: 20, keys: 2 });
      } finally {
        await other.query("rollback");
        await other.end();
      }
      expect(await purgeTwilioCallbacks(s.ctx.db)).toEqual({ callbacks: 10, keys: 2 });
    },
  );

  it("is the hourly job of the job worker; two workers at once run it once, without error", async () => {
    const k = await apiKey();
    const m = await callbackOf(k.key);
    expect(await deliver()).toBe(1);
    await age(m.id, 31);
    expect(twilioCallbackRecurringJobs().map((r) => r.everyMs)).toEqual([3_600_000]);
    // The job worker that `--role worker` runs (background.ts), twice: two processes at once.
    const [jobWorker] = workerTasks;
    if (!jobWorker) throw new Error("no job worker");
    const stops = await Promise.all([jobWorker(s.ctx), jobWorker(s.ctx)]);
    try {
      await waitUntil(async () => (await callbacksOf([m.id])).length === 0, { what: "purge" });
      await waitUntil(
        async () =>
          (
            await f.rows<{ n: number }>(sql`select count(*)::int as n from jobs
              where name = 'messaging.purge_twilio_callbacks' and state <> 'completed'`)
          )[0]?.n === 0,
        { what: "job completed" },
      );
    } finally {
      await Promise.all(stops.map((stop) => stop()));
    }
    const jobs = await f.rows<{ state: string; attempts: number; last_error: string | null }>(
      sql`select state, attempts, last_error from jobs where name = 'messaging.purge_twilio_callbacks'`,
    );
    expect(jobs).toEqual([{ state: "completed", attempts: 1, last_error: null }]);
  });
});
