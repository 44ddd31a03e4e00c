/**
 * What the dispatcher's database work would cost with nothing of Assent's around it: the bare durable state
 * machine `queued` → `sending` (FOR UPDATE SKIP LOCKED, a lease) → `sent` (a provider id), on a copy of a
 * real queue of the `messages` table, with 3 lanes as the dispatcher runs them, 1,000 messages a claim. No
 * consent decision, no decryption, no adapter, no events: SQL only, run as the database owner (no
 * row-level security). Each variant adds one of the dispatcher's statement shapes, and prints its messages
 * per second and Postgres CPU per message against the bare floor measured in the same run.
 *
 *   BENCH_ACCEPT_ONLY=1 BENCH_KEEP=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     npx tsx bench/dispatch.bench.ts 50000          # prints "kept database <url>"
 *   npx tsx bench/dispatch-floor.ts <that url> [rounds]
 *
 * Variants:
 *  - floor: one statement claims (`update … where ctid = any(array(select … for update skip locked))`) and
 *    one records `sent`;
 *  - lane-filter: the floor, each lane taking its recipients by `hashtext(contact_id) % 3` (the dispatcher's
 *    lanes);
 *  - shapes: the dispatcher's statement shapes: a pick returning the candidate's columns (lane filter), then
 *    lock by id (SKIP LOCKED) and update by tuple id with a message_leases row, then `sent` with its
 *    message_provider_ids row;
 *  - shapes-no-provider-ids: the same without the message_provider_ids row.
 * Each variant runs on a fresh copy of the kept database (CREATE DATABASE … TEMPLATE), rounds alternated.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import pg from "pg";

const LANES = 3;
const BATCH = 1000;

type TVariant = "floor" | "lane-filter" | "shapes" | "shapes-no-provider-ids";
const variants: readonly TVariant[] = ["floor", "lane-filter", "shapes", "shapes-no-provider-ids"];

/** CPU time (ms) of the given backends so far, from /proc (the database runs on this machine). */
function backendCpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the backend ended
    }
  }
  return ticks * 10;
}

const claimFloor = (laneFilter: boolean, lane: number) =>
  `update messages m set status = 'sending', due_at = null, lease_until = now() + interval '1 minute',
     lease_holder = 'bench', attempts = m.attempts + 1, claimed_at = clock_timestamp(), updated_at = now()
   where m.ctid = any(array(select ctid from messages where channel_account_id = $1 and due_at <= now()
     and status in ('queued', 'scheduled') ${laneFilter ? `and (hashtext(contact_id) & 2147483647) % ${LANES} = ${lane}` : ""}
     order by due_at limit ${BATCH} for update skip locked))
   returning m.id`;

const pickShape = (lane: number) =>
  `select m.id, m.workspace_id, m.brand_id, m.campaign_id, m.contact_id, m.category, m.source, m.content_kind,
     m.content_sealed, m.segments, m.attempts, m.status_callback_url, m.callback_key_id, m.due_at
   from messages m where m.channel_account_id = $1 and m.status in ('queued', 'scheduled') and m.due_at <= now()
     and (hashtext(m.contact_id) & 2147483647) % ${LANES} = ${lane}
   order by m.due_at limit ${BATCH}`;

const claimShape = `with locked as (
     select id, ctid, status, channel_account_id from messages where id = any(string_to_array($2, ','))
     for update skip locked),
   claimable as (select id, ctid from locked where status in ('queued', 'scheduled') and channel_account_id = $1),
   claimed as (
     update messages m set status = 'sending', reason = null, due_at = null, lease_until = now() + interval '1 minute',
       lease_holder = 'bench', attempts = m.attempts + 1, claimed_at = clock_timestamp(), updated_at = now()
     where m.ctid = any(array(select ctid from claimable)) returning m.id, m.workspace_id),
   leased as (
     insert into message_leases (workspace_id, channel_account_id, holder, lease_until, message_ids)
     select min(workspace_id), $1, 'bench', now() + interval '1 minute', array_agg(id) from claimed having count(*) > 0)
   select id from claimed`;

const recordSent = (providerIds: boolean) =>
  `with upd as (
     update messages set status = 'sent', reason = null, provider_message_id = 'bench_' || id, sent_at = now(),
       lease_until = null, lease_holder = null, updated_at = now()
     where id = any($1::text[]) and status in ('sending', 'unknown')
     returning id, channel_account_id, provider_message_id, workspace_id)
   ${
     providerIds
       ? `insert into message_provider_ids (channel_account_id, provider_message_id, message_id, workspace_id)
          select channel_account_id, provider_message_id, id, workspace_id from upd`
       : "select count(*) from upd"
   }`;

async function lane(
  client: pg.PoolClient,
  variant: TVariant,
  account: string,
  index: number,
): Promise<number> {
  let done = 0;
  for (;;) {
    await client.query("begin");
    let ids: string[];
    if (variant === "floor" || variant === "lane-filter") {
      ids = (
        await client.query<{ id: string }>(claimFloor(variant === "lane-filter", index), [account])
      ).rows.map((r) => r.id);
    } else {
      const picked = (await client.query<{ id: string }>(pickShape(index), [account])).rows;
      ids =
        picked.length === 0
          ? []
          : (
              await client.query<{ id: string }>(claimShape, [account, picked.map((r) => r.id).join(",")])
            ).rows.map((r) => r.id);
    }
    await client.query("commit");
    if (ids.length === 0) return done;
    await client.query("begin");
    await client.query(recordSent(variant === "shapes"), [ids]);
    await client.query("commit");
    done += ids.length;
  }
}

async function run(
  admin: pg.Client,
  template: string,
  url: URL,
  variant: TVariant,
): Promise<{ perSecond: number; dbMicros: number }> {
  const name = `${template}_floor`;
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name} template ${template}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: target.toString(), max: LANES });
  try {
    const account = (
      await pool.query<{ channel_account_id: string }>("select channel_account_id from messages limit 1")
    ).rows[0]?.channel_account_id;
    if (!account) throw new Error("the kept database holds no messages");
    const clients = await Promise.all(Array.from({ length: LANES }, () => pool.connect()));
    const pids = await Promise.all(
      clients.map(
        async (c) => (await c.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]?.pid ?? 0,
      ),
    );
    const cpu0 = backendCpuMs(pids);
    const t0 = performance.now();
    const counts = await Promise.all(clients.map((c, i) => lane(c, variant, account, i)));
    const seconds = (performance.now() - t0) / 1000;
    const done = counts.reduce((a, b) => a + b, 0);
    const dbMs = backendCpuMs(pids) - cpu0;
    for (const c of clients) c.release();
    return { perSecond: Math.round(done / seconds), dbMicros: Math.round((dbMs * 1000) / done) };
  } finally {
    await pool.end();
    await admin.query(`drop database if exists ${name}`);
  }
}

async function main(): Promise<void> {
  const source = process.argv[2];
  if (!source)
    throw new Error("usage: dispatch-floor.ts <url of a database kept by dispatch.bench.ts> [rounds]");
  const rounds = Number(process.argv[3] ?? 2);
  const url = new URL(source);
  const template = url.pathname.slice(1);
  const adminUrl = new URL(source);
  adminUrl.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    const results = new Map<TVariant, { perSecond: number; dbMicros: number }[]>();
    for (let r = 0; r < rounds; r++)
      for (const v of variants) {
        const got = await run(admin, template, url, v);
        results.set(v, [...(results.get(v) ?? []), got]);
        process.stdout.write(
          `round ${r + 1} ${v}: ${got.perSecond} msg/s, ${got.dbMicros} µs Postgres CPU per message\n`,
        );
      }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const floor = median((results.get("floor") ?? []).map((x) => x.perSecond));
    const summary = variants.map((v) => {
      const list = results.get(v) ?? [];
      const perSecond = median(list.map((x) => x.perSecond));
      return {
        variant: v,
        perSecond,
        dbMicros: median(list.map((x) => x.dbMicros)),
        vsFloor: Number((perSecond / floor).toFixed(3)),
      };
    });
    process.stdout.write(
      `${JSON.stringify({ rounds, loadAverage: loadavg().map((x) => Number(x.toFixed(2))), summary })}\n`,
    );
  } finally {
    await admin.end();
  }
}

await main();
