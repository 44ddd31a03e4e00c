import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows, withSystemTx } from "../src/core/db/tx.js";
import { startFakeTwilioServer, type TFakeTwilioServer } from "../src/modules/channels/testing/index.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  waitUntil,
} from "../src/modules/messaging/testing/messaging-fixture.js";
import { testEngine } from "./harness.js";
import { spawnScript, type TChild } from "./messaging-processes.js";
import type { TTestServer } from "./server.js";

const accountSid = `AC${"ab".repeat(16)}`;
const authToken = "fake-twilio-token";
const senders = [
  { from: "+14155550001", perSecond: 10, messages: 40 },
  { from: "+14155550002", perSecond: 20, messages: 80 },
];
const CONTACTS = 40;

let s: TTestServer;
let f: TMessagingFixture;
let provider: TFakeTwilioServer;
const children: TChild[] = [];

beforeAll(async () => {
  if (testEngine !== "postgres") return;
  s = await messagingTestServer();
  f = await messagingFixture(s);
  provider = await startFakeTwilioServer({ accountSid, authToken, statusCallbacks: false });
});
afterAll(async () => {
  for (const c of children) await c.stop("SIGKILL");
  if (testEngine !== "postgres") return;
  await provider.close();
  await s.close();
});

/** Most sends of one sender the provider saw inside any 1-second window. */
function maxPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while ((sorted[to] ?? 0) - (sorted[from] ?? 0) >= 1000) from += 1;
    best = Math.max(best, to - from + 1);
  }
  return best;
}

describe.skipIf(testEngine !== "postgres")(
  "two API and two worker processes on one Postgres (Postgres only: PGlite is one process)",
  () => {
    it("sends every message once, honours an opt-out mid-way, and keeps each sender under its rate in every second", async () => {
      const env = { DATABASE_URL: s.database.url ?? "", ASSENT_MASTER_KEY: s.ctx.config.masterKey ?? "" };
      const ids: string[] = [];
      for (const sender of senders) {
        const created = await f.sender({
          channel: "sms",
          providerId: "twilio",
          credentials: { accountSid, authToken, from: sender.from },
          rateLimit: { perSecond: sender.perSecond },
        });
        ids.push(created.id);
      }
      const contacts: { contactId: string; address: string }[] = [];
      for (let n = 0; n < CONTACTS; n++) {
        const c = await f.contact("sms", `+336123${String(41000 + n)}`);
        await f.grant(c.contactId, ["sms"]);
        contacts.push(c);
      }
      const apis = [
        spawnScript("messaging-api-process.ts", env),
        spawnScript("messaging-api-process.ts", env),
      ];
      const workers = [
        spawnScript("messaging-worker-process.ts", {
          ...env,
          WORKER_ID: "w1",
          BASE_URLS: JSON.stringify({ twilio: provider.url }),
        }),
        spawnScript("messaging-worker-process.ts", {
          ...env,
          WORKER_ID: "w2",
          BASE_URLS: JSON.stringify({ twilio: provider.url }),
        }),
      ];
      children.push(...apis, ...workers);
      const ports = await Promise.all(
        apis.map(async (a) => (JSON.parse(await a.firstLine) as { port: number }).port),
      );
      await Promise.all(workers.map((w) => w.firstLine));

      const target = contacts[7];
      if (!target) throw new Error("no target");
      const sends: Promise<{ id: string; status: string }>[] = [];
      let n = 0;
      senders.forEach((sender, k) => {
        for (let m = 0; m < sender.messages; m++, n++) {
          const port = ports[n % 2];
          const contact = contacts[n % CONTACTS];
          sends.push(
            fetch(`http://127.0.0.1:${port}/v1/messages`, {
              method: "POST",
              headers: { ...f.auth, "content-type": "application/json", "idempotency-key": `mp-${n}` },
              body: JSON.stringify({
                to: contact?.address,
                channel: "sms",
                brandId: f.brandId,
                channelAccountId: ids[k],
                body: `m-${n}`,
              }),
            }).then(async (r) => {
              expect(r.status).toBe(202);
              return (await r.json()) as { id: string; status: string };
            }),
          );
        }
      });
      const accepted = await Promise.all(sends);
      expect(accepted.every((a) => a.status === "queued")).toBe(true);

      await waitUntil(() => provider.accepted.length >= 30, { timeoutMs: 60_000, what: "some sends" });
      const opt = await f.optOut(target.contactId);
      await waitUntil(async () => (await f.count(sql`status in ('queued', 'sending')`)) === 0, {
        timeoutMs: 120_000,
        everyMs: 250,
        what: "the queue to drain",
      });

      // Every message once at the provider, or suppressed by the opt-out.
      const bodies = provider.accepted.map((a) => String(a.params.Body));
      expect(new Set(bodies).size).toBe(bodies.length);
      const all = await withSystemTx(s.ctx.db, (tx) =>
        rows<{
          id: string;
          status: string;
          reason: string | null;
          contact_id: string;
          claimed_at: Date | null;
        }>(
          tx,
          sql`select id, status, reason, contact_id, claimed_at from messages where workspace_id = ${f.workspaceId}`,
        ),
      );
      expect(all).toHaveLength(accepted.length);
      const suppressed = all.filter((m) => m.status === "suppressed");
      expect(suppressed.every((m) => m.contact_id === target.contactId && m.reason === "opted_out")).toBe(
        true,
      );
      expect(all.filter((m) => m.status === "sent")).toHaveLength(bodies.length);
      expect(bodies.length + suppressed.length).toBe(accepted.length);
      for (const m of all.filter((x) => x.contact_id === target.contactId && x.status === "sent")) {
        expect(new Date(m.claimed_at ?? 0).getTime()).toBeLessThanOrEqual(opt.lockedAt.getTime());
      }
      // Exact rates across the two workers, as the provider counted them.
      for (const sender of senders) {
        const times = provider.requests
          .filter(
            (r) =>
              r.method === "POST" &&
              new URLSearchParams(r.rawBody.toString("utf8")).get("From") === sender.from,
          )
          .map((r) => r.receivedAt.getTime());
        expect(times.length).toBe(provider.accepted.filter((a) => a.params.From === sender.from).length);
        expect(maxPerSecond(times)).toBeLessThanOrEqual(sender.perSecond);
      }
      const holders = await withSystemTx(s.ctx.db, (tx) =>
        rows<{ holder: string }>(
          tx,
          sql`select holder from sender_leases where workspace_id = ${f.workspaceId}`,
        ),
      );
      process.stdout.write(
        `multi-process: ${bodies.length} sent, ${suppressed.length} suppressed by the opt-out, ` +
          `last holders ${holders.map((h) => h.holder).join(", ")}; max per second ${senders.map((x) => `${x.from}: ${maxPerSecond(provider.requests.filter((r) => new URLSearchParams(r.rawBody.toString("utf8")).get("From") === x.from).map((r) => r.receivedAt.getTime()))}/${x.perSecond}`).join(", ")}\n`,
      );
    });
  },
);
