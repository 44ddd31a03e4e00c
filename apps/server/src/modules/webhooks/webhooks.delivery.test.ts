import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { rows, withSystemTx, withWorkspaceTx } from "../../core/db/tx.js";
import { startJobWorker } from "../../core/jobs/index.js";
import {
  createWebhookRoutes,
  emitWebhookEvent,
  type TWebhookEventType,
  type TWebhookOptions,
  verifyWebhookSignature,
  webhookJobs,
  webhookRecurringJobs,
  webhookRetryDelaysMs,
} from "./index.js";

interface TReceived {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

type TRespond = (r: TReceived, index: number) => number | "hang" | { status: number; location: string };

/** A local endpoint on 127.0.0.1 that records every request and answers as told. */
async function startReceiver() {
  const received: TReceived[] = [];
  let respond: TRespond = () => 200;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = {
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
      };
      received.push(r);
      const answer = respond(r, received.length - 1);
      if (answer === "hang") return;
      if (typeof answer === "object") {
        res.writeHead(answer.status, { location: answer.location }).end();
        return;
      }
      res.writeHead(answer, { "content-type": "text/plain" }).end("thanks");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    on(next: TRespond) {
      respond = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let s: TTestServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let stopWorker: (() => Promise<void>) | undefined;

beforeAll(async () => {
  s = await createTestServer({ routes: [createWebhookRoutes({ allowPrivateUrls: true })] });
  receiver = await startReceiver();
});
afterEach(async () => {
  await stopWorker?.();
  stopWorker = undefined;
  receiver.on(() => 200);
});
afterAll(async () => {
  await receiver.close();
  await s.close();
});

async function worker(options: TWebhookOptions = {}) {
  stopWorker = await startJobWorker(s.ctx, {
    jobs: webhookJobs({ allowPrivateUrls: true, timeoutMs: 2000, ...options }),
    concurrency: 4,
    pollIntervalMs: 20,
    maintenanceIntervalMs: 60_000,
    stopGraceMs: 3000,
  });
}

async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met in time: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function subscribe(apiKey: string, path: string, events: string[] = ["*"]) {
  const r = await s.app.inject({
    method: "POST",
    url: "/v1/webhooks",
    headers: bearer(apiKey),
    payload: { url: receiver.url(path), events },
  });
  expect(r.statusCode).toBe(201);
  return r.json() as { id: string; secret: string };
}

const emit = (workspaceId: string, type: TWebhookEventType, data: Record<string, unknown>, at?: Date) =>
  withWorkspaceTx(s.ctx.db, workspaceId, (tx) =>
    emitWebhookEvent(tx, { workspaceId, type, data, ...(at ? { at } : {}) }),
  );

const deliveries = async (apiKey: string, subscriptionId: string) => {
  const r = await s.app.inject({
    method: "GET",
    url: `/v1/webhooks/${subscriptionId}/deliveries`,
    headers: bearer(apiKey),
  });
  expect(r.statusCode).toBe(200);
  return r.json().data as {
    id: string;
    eventId: string;
    eventType: string;
    status: string;
    attemptCount: number;
    nextAttemptAt: string | null;
    lastStatusCode: number | null;
    lastError: string | null;
    replayOf: string | null;
    attempts: {
      attempt: number;
      statusCode: number | null;
      durationMs: number;
      error: string | null;
      nextRetryAt: string | null;
    }[];
  }[];
};

const onPath = (path: string) => receiver.received.filter((r) => r.path === path);

describe("webhook delivery", () => {
  it("POSTs the signed event with its headers; the signature verifies on the raw body", async () => {
    const ws = await s.workspace();
    const sub = await subscribe(ws.apiKey, "/signed");
    await worker();
    const at = new Date("2030-01-02T03:04:05.678Z");
    await emit(
      ws.workspaceId,
      "message.delivered",
      { messageId: "msg_1", status: "delivered", note: "ünïcødé ✓" },
      at,
    );
    const [got] = await until(
      async () => onPath("/signed"),
      (l) => l.length === 1,
    );
    if (!got) throw new Error("nothing received");
    const body = JSON.parse(got.body);
    expect(Object.keys(body).sort()).toEqual(["createdAt", "data", "id", "type", "workspaceId"]);
    expect(body).toMatchObject({
      type: "message.delivered",
      createdAt: at.toISOString(),
      workspaceId: ws.workspaceId,
      data: { messageId: "msg_1", status: "delivered", note: "ünïcødé ✓" },
    });
    expect(body.id).toMatch(/^evt_/);
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["user-agent"]).toBe("Assent-Webhooks/1");
    expect(got.headers["assent-event-id"]).toBe(body.id);
    expect(got.headers["assent-event-type"]).toBe("message.delivered");
    expect(got.headers["assent-delivery-attempt"]).toBe("1");
    const header = String(got.headers["assent-signature"]);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(sub.secret, header, got.body, new Date(got.at))).toBe(true);
    expect(verifyWebhookSignature(sub.secret, header, Buffer.from(got.body), new Date(got.at))).toBe(true);
    expect(verifyWebhookSignature(sub.secret, header, `${got.body} `, new Date(got.at))).toBe(false);
    expect(verifyWebhookSignature("whsec_wrong", header, got.body, new Date(got.at))).toBe(false);
    expect(verifyWebhookSignature(sub.secret, header, got.body, new Date(got.at + 301_000))).toBe(false);
    expect(verifyWebhookSignature(sub.secret, header, got.body, new Date(got.at + 290_000))).toBe(true);

    const [d] = await until(
      () => deliveries(ws.apiKey, sub.id),
      (l) => l[0]?.status === "delivered",
    );
    expect(d).toMatchObject({
      eventId: body.id,
      eventType: "message.delivered",
      attemptCount: 1,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(d?.attempts).toHaveLength(1);
    expect(d?.attempts[0]).toMatchObject({ attempt: 1, statusCode: 200, error: null, nextRetryAt: null });
    expect(d?.attempts[0]?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("retries a 500 after its backoff, then records the 200: two attempts, delivered", async () => {
    const ws = await s.workspace();
    const sub = await subscribe(ws.apiKey, "/flaky");
    receiver.on((r) => (r.path === "/flaky" && onPath("/flaky").length === 1 ? 500 : 200));
    await worker();
    await emit(ws.workspaceId, "message.sent", { messageId: "msg_2" });
    const [pending] = await until(
      () => deliveries(ws.apiKey, sub.id),
      (l) => l[0]?.attemptCount === 1,
    );
    expect(pending).toMatchObject({ status: "pending", lastStatusCode: 500, lastError: "HTTP 500" });
    const first = pending?.attempts[0];
    expect(first).toMatchObject({ attempt: 1, statusCode: 500, error: "HTTP 500" });
    // The first retry waits 30 s ± 10 %: the log and the job agree on when.
    const wait = new Date(String(first?.nextRetryAt)).getTime() - onPath("/flaky")[0]!.at;
    expect(wait).toBeGreaterThanOrEqual(webhookRetryDelaysMs[0]! * 0.9 - 1000);
    expect(wait).toBeLessThanOrEqual(webhookRetryDelaysMs[0]! * 1.1 + 1000);
    const [job] = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ run_at: unknown; state: string }>(
        tx,
        sql`select run_at, state from jobs where payload->>'deliveryId' = ${pending!.id}`,
      ),
    );
    expect(job?.state).toBe("pending");
    expect(
      Math.abs(new Date(String(job?.run_at)).getTime() - new Date(String(first?.nextRetryAt)).getTime()),
    ).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 300));
    expect(onPath("/flaky")).toHaveLength(1);

    // Let the backoff elapse.
    await s.ctx.db.execute(
      sql`update jobs set run_at = now() where payload->>'deliveryId' = ${pending!.id} and state = 'pending'`,
    );
    const [done] = await until(
      () => deliveries(ws.apiKey, sub.id),
      (l) => l[0]?.status === "delivered",
    );
    expect(done).toMatchObject({
      attemptCount: 2,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(done?.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
    const bodies = onPath("/flaky").map((r) => JSON.parse(r.body).id);
    expect(bodies[0]).toBe(bodies[1]);
    expect(onPath("/flaky").map((r) => r.headers["assent-delivery-attempt"])).toEqual(["1", "2"]);
  });

  it("counts a timeout as a failed attempt", async () => {
    const ws = await s.workspace();
    const sub = await subscribe(ws.apiKey, "/slow");
    receiver.on((r) => (r.path === "/slow" ? "hang" : 200));
    await worker({ timeoutMs: 300 });
    await emit(ws.workspaceId, "message.failed", { messageId: "msg_3" });
    const [d] = await until(
      () => deliveries(ws.apiKey, sub.id),
      (l) => l[0]?.attemptCount === 1,
    );
    expect(d).toMatchObject({ status: "pending", lastStatusCode: null, lastError: "timed out after 300 ms" });
    expect(d?.attempts[0]?.durationMs).toBeGreaterThanOrEqual(290);
    expect(d?.nextAttemptAt).not.toBeNull();
  });

  it("never follows a redirect", async () => {
    const ws = await s.workspace();
    const sub = await subscribe(ws.apiKey, "/moved");
    receiver.on((r) => (r.path === "/moved" ? { status: 302, location: receiver.url("/elsewhere") } : 200));
    await worker();
    await emit(ws.workspaceId, "message.sent", { messageId: "msg_4" });
    const [d] = await until(
      () => deliveries(ws.apiKey, sub.id),
      (l) => l[0]?.attemptCount === 1,
    );
    expect(d).toMatchObject({
      status: "pending",
      lastStatusCode: 302,
      lastError: "HTTP 302 (redirects are not followed)",
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(onPath("/elsewhere")).toHaveLength(0);
  });

  it("delivers per subscription, only the event types each one asked for", async () => {
    const ws = await s.workspace();
    const all = await subscribe(ws.apiKey, "/all", ["*"]);
    const inbound = await subscribe(ws.apiKey, "/inbound", ["message.inbound", "contact.opted_out"]);
    await worker();
    await emit(ws.workspaceId, "message.queued", { messageId: "msg_5" });
    await emit(ws.workspaceId, "message.inbound", { id: "inb_1", body: "STOP" });
    await emit(ws.workspaceId, "contact.opted_out", { contactId: "ctc_1" });
    await until(
      async () => onPath("/all").length + onPath("/inbound").length,
      (n) => n === 5,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(
      onPath("/all")
        .map((r) => JSON.parse(r.body).type)
        .sort(),
    ).toEqual(["contact.opted_out", "message.inbound", "message.queued"]);
    expect(
      onPath("/inbound")
        .map((r) => JSON.parse(r.body).type)
        .sort(),
    ).toEqual(["contact.opted_out", "message.inbound"]);
    for (const r of onPath("/inbound")) {
      expect(
        verifyWebhookSignature(inbound.secret, String(r.headers["assent-signature"]), r.body, new Date(r.at)),
      ).toBe(true);
      expect(
        verifyWebhookSignature(all.secret, String(r.headers["assent-signature"]), r.body, new Date(r.at)),
      ).toBe(false);
    }
    const inboundBody = onPath("/inbound").find((r) => JSON.parse(r.body).type === "message.inbound");
    expect(JSON.parse(inboundBody?.body ?? "{}").data).toEqual({ id: "inb_1", body: "STOP" });
    expect((await deliveries(ws.apiKey, all.id)).map((d) => d.eventType).sort()).toEqual([
      "contact.opted_out",
      "message.inbound",
      "message.queued",
    ]);
    // The receiver answered; the worker records each delivery right after (on a busy machine, not at once).
    const recorded = await until(
      () => deliveries(ws.apiKey, inbound.id),
      (l) => l.length === 2 && l.every((d) => d.status === "delivered"),
    );
    expect(recorded.map((d) => d.status)).toEqual(["delivered", "delivered"]);
  });

  it("replays a delivery as a new delivery of the same event", async () => {
    const ws = await s.workspace();
    const sub = await subscribe(ws.apiKey, "/replay");
    await worker();
    await emit(ws.workspaceId, "message.read", { messageId: "msg_6" });
    const [original] = await until(
      () => deliveries(ws.apiKey, sub.id),
      (l) => l[0]?.status === "delivered",
    );
    const r = await s.app.inject({
      method: "POST",
      url: `/v1/webhooks/${sub.id}/deliveries/${original!.id}/replay`,
      headers: { ...bearer(ws.apiKey), "idempotency-key": "replay-1" },
    });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({
      status: "pending",
      replayOf: original!.id,
      eventId: original!.eventId,
      attemptCount: 0,
    });
    const again = await s.app.inject({
      method: "POST",
      url: `/v1/webhooks/${sub.id}/deliveries/${original!.id}/replay`,
      headers: { ...bearer(ws.apiKey), "idempotency-key": "replay-1" },
    });
    expect(again.json().id).toBe(r.json().id);
    await until(
      async () => onPath("/replay").length,
      (n) => n === 2,
    );
    const ids = onPath("/replay").map((x) => JSON.parse(x.body).id);
    expect(ids[1]).toBe(ids[0]);
    const one = await s.app.inject({
      method: "GET",
      url: `/v1/webhooks/${sub.id}/deliveries/${r.json().id}`,
      headers: bearer(ws.apiKey),
    });
    await until(
      async () =>
        (
          await s.app.inject({
            method: "GET",
            url: `/v1/webhooks/${sub.id}/deliveries/${r.json().id}`,
            headers: bearer(ws.apiKey),
          })
        ).json().status,
      (st) => st === "delivered",
    );
    expect(one.statusCode).toBe(200);
    await s.app.inject({
      method: "PATCH",
      url: `/v1/webhooks/${sub.id}`,
      headers: bearer(ws.apiKey),
      payload: { enabled: false },
    });
    const refused = await s.app.inject({
      method: "POST",
      url: `/v1/webhooks/${sub.id}/deliveries/${original!.id}/replay`,
      headers: bearer(ws.apiKey),
    });
    expect(refused.statusCode).toBe(422);
    expect(await deliveries(ws.apiKey, sub.id)).toHaveLength(2);
  });

  it("signs with both secrets during a rotation's grace period", async () => {
    const ws = await s.workspace();
    const sub = await subscribe(ws.apiKey, "/rotate");
    const rotated = (
      await s.app.inject({
        method: "POST",
        url: `/v1/webhooks/${sub.id}/rotate-secret`,
        headers: bearer(ws.apiKey),
      })
    ).json();
    await worker();
    await emit(ws.workspaceId, "message.sent", { messageId: "msg_7" });
    const [got] = await until(
      async () => onPath("/rotate"),
      (l) => l.length === 1,
    );
    const header = String(got?.headers["assent-signature"]);
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(verifyWebhookSignature(rotated.secret, header, got!.body, new Date(got!.at))).toBe(true);
    expect(verifyWebhookSignature(sub.secret, header, got!.body, new Date(got!.at))).toBe(true);
    await s.app.inject({
      method: "POST",
      url: `/v1/webhooks/${sub.id}/rotate-secret`,
      headers: bearer(ws.apiKey),
      payload: { graceSeconds: 0 },
    });
    await emit(ws.workspaceId, "message.sent", { messageId: "msg_8" });
    const list = await until(
      async () => onPath("/rotate"),
      (l) => l.length === 2,
    );
    expect(String(list[1]?.headers["assent-signature"]).match(/v1=/g)).toHaveLength(1);
  });

  it("disables a subscription that keeps failing for too long; its pending deliveries then fail", async () => {
    const ws = await s.workspace();
    const sub = await subscribe(ws.apiKey, "/down");
    receiver.on((r) => (r.path === "/down" ? 503 : 200));
    // Every attempt fails; the subscription has been failing for longer than allowed once the second fails.
    await worker({ disableAfterMs: 60_000 });
    await emit(ws.workspaceId, "message.sent", { messageId: "msg_9" });
    await emit(ws.workspaceId, "message.sent", { messageId: "msg_10" });
    await until(
      () => deliveries(ws.apiKey, sub.id),
      (l) => l.length === 2 && l.every((d) => d.attemptCount === 1),
    );
    await s.ctx.db.execute(
      sql`update webhook_subscriptions set failing_since = now() - interval '2 minutes' where id = ${sub.id}`,
    );
    await s.ctx.db.execute(sql`update jobs set run_at = now() where name = 'webhooks.deliver' and state = 'pending'
      and payload->>'workspaceId' = ${ws.workspaceId}`);
    const done = await until(
      () => deliveries(ws.apiKey, sub.id),
      (l) => l.every((d) => d.status === "failed"),
    );
    expect(done.every((d) => d.nextAttemptAt === null)).toBe(true);
    const got = (
      await s.app.inject({ method: "GET", url: `/v1/webhooks/${sub.id}`, headers: bearer(ws.apiKey) })
    ).json();
    expect(got).toMatchObject({ enabled: false, disabledReason: "failing" });
    const audit = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ action: string; actor_type: string }>(
        tx,
        sql`select action, actor_type from audit_log where target_id = ${sub.id} and action = 'webhook.disabled'`,
      ),
    );
    expect(audit).toEqual([{ action: "webhook.disabled", actor_type: "system" }]);
    // Disabled: new events create no delivery.
    await emit(ws.workspaceId, "message.sent", { messageId: "msg_11" });
    expect(await deliveries(ws.apiKey, sub.id)).toHaveLength(2);
    // Re-enabled: the failure run starts over.
    const enabled = await s.app.inject({
      method: "PATCH",
      url: `/v1/webhooks/${sub.id}`,
      headers: bearer(ws.apiKey),
      payload: { enabled: true },
    });
    expect(enabled.json()).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
  });

  it("fails the subscription's other pending deliveries in the transaction that disables it", async () => {
    const ws = await s.workspace();
    const sub = await subscribe(ws.apiKey, "/down-too");
    receiver.on((r) => (r.path === "/down-too" ? 503 : 200));
    await worker({ disableAfterMs: 60_000 });
    await emit(ws.workspaceId, "message.sent", { messageId: "msg_9b" });
    await emit(ws.workspaceId, "message.sent", { messageId: "msg_10b" });
    const first = await until(
      () => deliveries(ws.apiKey, sub.id),
      (l) => l.length === 2 && l.every((d) => d.attemptCount === 1),
    );
    await s.ctx.db.execute(
      sql`update webhook_subscriptions set failing_since = now() - interval '2 minutes' where id = ${sub.id}`,
    );
    // Only one delivery's retry comes now; the other's is still about 30 s away.
    const [retried, waiting] = first;
    await s.ctx.db.execute(sql`update jobs set run_at = now() where name = 'webhooks.deliver' and state = 'pending'
      and payload->>'deliveryId' = ${retried?.id ?? ""}`);
    await until(
      async () =>
        (
          await s.app.inject({ method: "GET", url: `/v1/webhooks/${sub.id}`, headers: bearer(ws.apiKey) })
        ).json(),
      (x: { enabled: boolean }) => x.enabled === false,
    );
    const after = await deliveries(ws.apiKey, sub.id);
    expect(after.find((d) => d.id === retried?.id)).toMatchObject({ status: "failed", attemptCount: 2 });
    // The other was not attempted again, and is failed all the same, without a retry to come.
    expect(after.find((d) => d.id === waiting?.id)).toMatchObject({
      status: "failed",
      attemptCount: 1,
      nextAttemptAt: null,
      lastError: "subscription disabled",
    });
    expect(onPath("/down-too")).toHaveLength(3);
  });

  it("gives up after the last scheduled retry", async () => {
    const ws = await s.workspace();
    const sub = await subscribe(ws.apiKey, "/never");
    receiver.on((r) => (r.path === "/never" ? 500 : 200));
    await worker();
    await emit(ws.workspaceId, "message.sent", { messageId: "msg_12" });
    const [d] = await until(
      () => deliveries(ws.apiKey, sub.id),
      (l) => l[0]?.attemptCount === 1,
    );
    // Skip to the last attempt: 8 retries after the first.
    await s.ctx.db.execute(
      sql`update jobs set attempts = max_attempts - 1, run_at = now() where payload->>'deliveryId' = ${d!.id}`,
    );
    const [failed] = await until(
      () => deliveries(ws.apiKey, sub.id),
      (l) => l[0]?.status === "failed",
    );
    expect(failed).toMatchObject({ attemptCount: 2, nextAttemptAt: null, lastStatusCode: 500 });
    expect(failed?.attempts[1]?.nextRetryAt).toBeNull();
    // The job is marked completed by the runner after the handler's transaction (which failed the delivery).
    const [job] = await until(
      () =>
        withSystemTx(s.ctx.db, (tx) =>
          rows<{ state: string; max_attempts: number }>(
            tx,
            sql`select state, max_attempts from jobs where payload->>'deliveryId' = ${d!.id}`,
          ),
        ),
      (l) => l[0]?.state !== "running",
    );
    expect(job).toEqual({ state: "completed", max_attempts: webhookRetryDelaysMs.length + 1 });
  });

  it("refuses to connect to a private address unless allowed, at delivery time", async () => {
    const ws = await s.workspace();
    const sub = await subscribe(ws.apiKey, "/private");
    await worker({ allowPrivateUrls: false });
    await emit(ws.workspaceId, "message.sent", { messageId: "msg_13" });
    const [d] = await until(
      () => deliveries(ws.apiKey, sub.id),
      (l) => l[0]?.attemptCount === 1,
    );
    expect(d?.lastError).toMatch(/private, loopback or link-local/);
    expect(onPath("/private")).toHaveLength(0);
  });

  it("purges events past the log retention, with their deliveries and attempts, from the recurring job", async () => {
    const ws = await s.workspace();
    const sub = await subscribe(ws.apiKey, "/purge", ["message.sent"]);
    receiver.on((r) => (r.path === "/purge" ? 500 : 200));
    await emit(
      ws.workspaceId,
      "message.sent",
      { messageId: "msg_old" },
      new Date(Date.now() - 31 * 86_400_000),
    );
    await emit(ws.workspaceId, "message.sent", { messageId: "msg_new" });
    await worker();
    await until(
      () => deliveries(ws.apiKey, sub.id),
      (l) => l.length === 2 && l.every((d) => d.attemptCount === 1),
    );
    await stopWorker?.();
    stopWorker = await startJobWorker(s.ctx, {
      jobs: webhookJobs({ allowPrivateUrls: true }),
      recurring: webhookRecurringJobs({ allowPrivateUrls: true }),
      concurrency: 2,
      pollIntervalMs: 20,
    });
    const left = await until(
      () => deliveries(ws.apiKey, sub.id),
      (l) => l.length === 1,
    );
    const events = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from webhook_events where workspace_id = ${ws.workspaceId}`,
      ),
    );
    expect(events[0]?.n).toBe(1);
    const attempts = await withSystemTx(s.ctx.db, (tx) =>
      rows<{ delivery_id: string }>(
        tx,
        sql`select delivery_id from webhook_attempts where workspace_id = ${ws.workspaceId}`,
      ),
    );
    expect(attempts.map((a) => a.delivery_id)).toEqual([left[0]?.id]);
  });

  it("stores nothing and sends nothing for an event emitted in a rolled-back transaction", async () => {
    const ws = await s.workspace();
    const sub = await subscribe(ws.apiKey, "/rollback");
    await worker();
    await expect(
      withWorkspaceTx(s.ctx.db, ws.workspaceId, async (tx) => {
        await emitWebhookEvent(tx, {
          workspaceId: ws.workspaceId,
          type: "message.sent",
          data: { messageId: "msg_14" },
        });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await new Promise((r) => setTimeout(r, 300));
    expect(onPath("/rollback")).toHaveLength(0);
    expect(await deliveries(ws.apiKey, sub.id)).toHaveLength(0);
  });
});
