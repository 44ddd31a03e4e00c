import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows, withSystemTx } from "../src/core/db/tx.js";
import { createAdapter } from "../src/modules/channels/index.js";
import { startFakeWhatsAppServer, type TFakeWhatsAppServer } from "../src/modules/channels/testing/index.js";
import { applyStatusEvent } from "../src/modules/messaging/index.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  waitUntil,
} from "../src/modules/messaging/testing/messaging-fixture.js";
import { testEngine } from "./harness.js";
import { spawnScript, type TChild } from "./messaging-processes.js";
import type { TTestServer } from "./server.js";

const credentials = {
  phoneNumberId: "106540352242922",
  accessToken: "EAAtest",
  appSecret: "app-secret",
  verifyToken: "verify",
};
const MESSAGES = 240;

let s: TTestServer;
let f: TMessagingFixture;
let provider: TFakeWhatsAppServer;
let receiver: Server;
let proxy: Server;
let proxyUrl = "";
let inFlight = 0;
/** Status webhooks are held until released, so that crash recovery runs before reconciliation. */
let held: (() => Promise<unknown>)[] = [];
let holding = true;
let senderId = "";
const children: TChild[] = [];

/** The inbound side of reconciliation: status webhooks → applyStatusEvent (with our echoed message id). */
async function startReceiver(): Promise<string> {
  const adapter = createAdapter("whatsapp-cloud", credentials);
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const rawBody = Buffer.concat(chunks);
        if (!adapter.verifyWebhook({ rawBody, headers: req.headers, url: "" }))
          return res.writeHead(401).end();
        for (const e of adapter.parseWebhook({ rawBody, contentType: "application/json" })) {
          if (e.kind !== "status") continue;
          const apply = () =>
            withSystemTx(s.ctx.db, (tx) =>
              applyStatusEvent(tx, {
                workspaceId: f.workspaceId,
                keys: f.keys,
                channelAccountId: senderId,
                providerMessageId: e.providerMessageId,
                status: e.status,
                at: e.at,
                ...(e.clientReference ? { messageId: e.clientReference } : {}),
              }),
            );
          if (holding) held.push(apply);
          else await apply();
        }
        res.writeHead(200).end();
      })().catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/wa`;
}

/**
 * A slow network in front of the provider: every request waits 300 ms, then reaches the provider even if
 * the worker that sent it is gone (the provider has the message; the worker never got the answer).
 */
async function startProxy(): Promise<void> {
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      inFlight += 1;
      void (async () => {
        await new Promise((r) => setTimeout(r, 300));
        const answer = await fetch(`${provider.url}${req.url ?? "/"}`, {
          method: req.method ?? "POST",
          headers: {
            "content-type": String(req.headers["content-type"] ?? ""),
            authorization: String(req.headers.authorization ?? ""),
          },
          body: Buffer.concat(chunks),
        });
        const text = await answer.text();
        inFlight -= 1;
        if (!res.destroyed) res.writeHead(answer.status, { "content-type": "application/json" }).end(text);
      })().catch(() => {
        inFlight -= 1;
        if (!res.destroyed) res.writeHead(502).end();
      });
    });
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  if (testEngine !== "postgres") return;
  s = await messagingTestServer();
  f = await messagingFixture(s);
  provider = await startFakeWhatsAppServer({
    accessToken: credentials.accessToken,
    phoneNumberId: credentials.phoneNumberId,
    webhook: { url: await startReceiver(), appSecret: credentials.appSecret },
  });
  await startProxy();
  senderId = (
    await f.sender({
      channel: "whatsapp",
      providerId: "whatsapp-cloud",
      credentials,
      rateLimit: { perSecond: 60 },
    })
  ).id;
});
afterAll(async () => {
  for (const c of children) await c.stop("SIGKILL");
  if (testEngine !== "postgres") return;
  await provider.close();
  await new Promise<void>((r) => receiver.close(() => r()));
  proxy.closeAllConnections();
  await new Promise<void>((r) => proxy.close(() => r()));
  await s.close();
});

function worker(id: string): TChild {
  const child = spawnScript("messaging-worker-process.ts", {
    DATABASE_URL: s.database.url ?? "",
    ASSENT_MASTER_KEY: s.ctx.config.masterKey ?? "",
    WORKER_ID: id,
    BASE_URLS: JSON.stringify({ "whatsapp-cloud": proxyUrl }),
    MESSAGE_LEASE_MS: "5000",
    SENDER_LEASE_MS: "3000",
    LEASE_MARGIN_MS: "1500",
    BATCH_SIZE: "200",
  });
  children.push(child);
  return child;
}

describe.skipIf(testEngine !== "postgres")(
  "a worker killed with SIGKILL mid-batch (Postgres only: a PGlite directory cannot be shared by processes)",
  () => {
    it("loses no message and sends none twice; the unknown ones are reconciled from status webhooks", async () => {
      for (let n = 0; n < MESSAGES; n++) {
        const r = await f.send({
          to: `+1415555${String(n).padStart(4, "0")}`,
          channel: "whatsapp",
          brandId: f.brandId,
          category: "transactional",
          template: { name: "order_update", language: "en_US" },
          channelAccountId: senderId,
        });
        expect(r.json().status).toBe("queued");
      }
      const a = worker("worker-a");
      await a.firstLine;
      await waitUntil(() => provider.accepted.length >= 70 && inFlight >= 5, {
        timeoutMs: 60_000,
        everyMs: 5,
        what: "worker A mid-batch",
      });
      a.process.kill("SIGKILL");
      await a.stop("SIGKILL");
      const atKill = provider.accepted.length;
      const inFlightAtKill = inFlight;
      await waitUntil(() => inFlight === 0, { what: "the requests in flight to land" });
      expect(atKill).toBeLessThan(MESSAGES);

      const b = worker("worker-b");
      await b.firstLine;
      await waitUntil(async () => (await f.count(sql`status in ('queued', 'sending')`)) === 0, {
        timeoutMs: 90_000,
        everyMs: 200,
        what: "the queue to drain",
      });
      await b.stop();
      await provider.callbacks.flush();
      const unknownBefore = await f.count(sql`channel_account_id = ${senderId} and status = 'unknown'`);
      holding = false;
      for (const apply of held) await apply();
      held = [];

      const ids = provider.accepted.map((x) => x.request.biz_opaque_callback_data);
      expect(new Set(ids).size).toBe(ids.length);
      const atProvider = new Set(ids);
      const all = await withSystemTx(s.ctx.db, (tx) =>
        rows<{ id: string; status: string; reason: string | null; lease_holder: string | null }>(
          tx,
          sql`select id, status, reason, lease_holder from messages where workspace_id = ${f.workspaceId} and channel_account_id = ${senderId}`,
        ),
      );
      expect(all).toHaveLength(MESSAGES);
      const byStatus: Record<string, number> = {};
      for (const m of all) {
        byStatus[m.status] = (byStatus[m.status] ?? 0) + 1;
        if (atProvider.has(m.id)) expect(["sent", "delivered"]).toContain(m.status);
        else expect(m).toMatchObject({ status: "unknown", reason: "lease_expired" });
      }
      // What worker A had claimed but never handed over is reported unknown (never resent blindly): at most one batch.
      const neverHanded = all.filter((m) => !atProvider.has(m.id)).length;
      expect(neverHanded).toBeLessThanOrEqual(200);
      expect(atProvider.size + neverHanded).toBe(MESSAGES);
      const reconciled = await withSystemTx(s.ctx.db, (tx) =>
        rows<{ n: number }>(
          tx,
          sql`select count(distinct message_id)::int as n from message_events
        where workspace_id = ${f.workspaceId} and type = 'unknown'`,
        ),
      );
      expect(reconciled[0]?.n ?? 0).toBeGreaterThanOrEqual(unknownBefore);
      process.stdout.write(
        `crash test: ${atKill} at the provider and ${inFlightAtKill} in flight when killed, statuses ${JSON.stringify(byStatus)}, ` +
          `${reconciled[0]?.n ?? 0} went through unknown, ${neverHanded} never handed over\n`,
      );
    });
  },
);
