import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer } from "../../../test/server.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { createApiKey } from "../auth/index.js";
import { addContactIdentity } from "../contacts/index.js";
import {
  contactOf,
  count,
  createInboundServer,
  ledger,
  replies,
  statuses,
  type TInboundServer,
  type TInboundWorld,
} from "../inbound/testing/inbound-fixture.js";
import { confirmationText } from "../intent/index.js";
import { startDispatcher } from "../messaging/index.js";
import { createBrand } from "../workspaces/index.js";

let s: TInboundServer;
let w: TInboundWorld;

beforeAll(async () => {
  s = await createInboundServer();
  w = await s.world("Demo");
});
afterAll(async () => s.close());

function simulate(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return s.app.inject({
    method: "POST",
    url: "/v1/sandbox/inbound",
    headers: { ...bearer(w.ws.apiKey), ...headers },
    payload: body,
  });
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("sandbox channel", () => {
  it("simulates a customer's STOP through the inbound path: opt-out, suppression, confirmation", async () => {
    const queued = await s.app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: bearer(w.ws.apiKey),
      payload: {
        to: "+15550100001",
        channel: "sandbox",
        brandId: w.ws.brandId,
        category: "transactional",
        body: "Order shipped",
        scheduledAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    expect(queued.statusCode).toBe(202);
    const hello = await simulate({ brandId: w.ws.brandId, from: "+1 555 010 0001", body: "Hello there" });
    expect(hello.statusCode).toBe(201);
    expect(hello.json()).toMatchObject({
      action: "none",
      duplicate: false,
      intent: { intent: "none" },
      replyMessageId: null,
      channelAccountId: w.senders.sandbox.id,
    });
    const stop = await simulate({ brandId: w.ws.brandId, from: "+15550100001", body: "STOP" });
    expect(stop.statusCode).toBe(201);
    const answer = stop.json();
    expect(answer).toMatchObject({
      action: "opted_out",
      suppressedMessages: 1,
      intent: { intent: "opt_out", source: "keyword" },
    });
    expect(answer.contactId).toBe(hello.json().contactId);
    expect(answer.replyMessageId).toMatch(/^msg_/);
    expect((await statuses(s, [queued.json().id]))[queued.json().id]).toEqual({
      status: "suppressed",
      reason: "opted_out",
    });
    expect((await ledger(s, answer.contactId)).filter((e) => e.kind === "opt_out")).toMatchObject([
      { method: "keyword", channel: "sandbox" },
    ]);
    const [reply] = await replies(s, w, answer.contactId);
    expect(reply).toMatchObject({
      id: answer.replyMessageId,
      kind: "opt_out_confirmation",
      body: confirmationText("opt_out", "en", "Demo brand"),
    });

    const pending = await s.app.inject({
      method: "GET",
      url: "/v1/sandbox/outbox?to=%2B15550100001&status=queued",
      headers: bearer(w.ws.apiKey),
    });
    expect(pending.statusCode).toBe(200);
    expect(pending.json().data).toMatchObject([
      {
        id: answer.replyMessageId,
        to: "+15550100001",
        body: reply?.body,
        kind: "opt_out_confirmation",
        status: "queued",
      },
    ]);
  });

  it("shows what the simulated phone received once dispatched, newest first, with a cursor", async () => {
    const to = "+15550100002";
    for (const body of ["one", "two", "three"]) {
      const r = await s.app.inject({
        method: "POST",
        url: "/v1/messages",
        headers: bearer(w.ws.apiKey),
        payload: { to, channel: "sandbox", brandId: w.ws.brandId, category: "transactional", body },
      });
      expect(r.statusCode).toBe(202);
    }
    const stop = await startDispatcher(s.ctx, { pollMs: 20 });
    try {
      type TPage = { data: { body: string; status: string; to: string }[]; nextCursor: string | null };
      const seen = await until(
        async (): Promise<TPage> =>
          (
            await s.app.inject({
              method: "GET",
              url: `/v1/sandbox/outbox?to=${encodeURIComponent(to)}`,
              headers: bearer(w.ws.apiKey),
            })
          ).json(),
        (j) => j.data.length === 3,
      );
      expect(seen.data.map((m) => m.body)).toEqual(["three", "two", "one"]);
      expect(seen.data.every((m) => ["sent", "delivered", "sending"].includes(m.status) && m.to === to)).toBe(
        true,
      );
      const first = await s.app.inject({
        method: "GET",
        url: `/v1/sandbox/outbox?to=${encodeURIComponent(to)}&limit=2`,
        headers: bearer(w.ws.apiKey),
      });
      expect(first.json().data.map((m: { body: string }) => m.body)).toEqual(["three", "two"]);
      const next = await s.app.inject({
        method: "GET",
        url: `/v1/sandbox/outbox?to=${encodeURIComponent(to)}&limit=2&cursor=${first.json().nextCursor}`,
        headers: bearer(w.ws.apiKey),
      });
      expect(next.json()).toMatchObject({ data: [{ body: "one" }], nextCursor: null });
    } finally {
      await stop();
    }
    const nobody = await s.app.inject({
      method: "GET",
      url: "/v1/sandbox/outbox?to=%2B15550109999",
      headers: bearer(w.ws.apiKey),
    });
    expect(nobody.json()).toEqual({ data: [], nextCursor: null });
  });

  it("names each message with the address it was sent to; ?to= finds the messages sent to that address", async () => {
    const [first, second] = ["+14155550621", "+14155550622"];
    const send = async (to: string, body: string) => {
      const r = await s.app.inject({
        method: "POST",
        url: "/v1/messages",
        headers: bearer(w.ws.apiKey),
        payload: { to, channel: "sandbox", brandId: w.ws.brandId, category: "transactional", body },
      });
      expect(r.statusCode).toBe(202);
      return r.json() as { id: string; contactId: string };
    };
    const a1 = await send(first, "a1");
    // The person gets a second (newer) sandbox address; messages go to either.
    const added = await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
      addContactIdentity(tx, w.keys, {
        workspaceId: w.ws.workspaceId,
        contactId: a1.contactId,
        channel: "sandbox",
        address: second,
        actor: { type: "system", id: null },
      }),
    );
    expect(added.added).toBe(true);
    const b1 = await send(second, "b1");
    expect(b1.contactId).toBe(a1.contactId);
    const a2 = await send(first, "a2");
    const b2 = await send(second, "b2");
    const a3 = await send(first, "a3");
    type TPage = { data: { id: string; to: string; body: string }[]; nextCursor: string | null };
    const outbox = async (query: string): Promise<TPage> =>
      (
        await s.app.inject({
          method: "GET",
          url: `/v1/sandbox/outbox?status=queued&${query}`,
          headers: bearer(w.ws.apiKey),
        })
      ).json();
    const all = await outbox("limit=200");
    const toOf = (id: string) => all.data.find((m) => m.id === id)?.to;
    expect([a1, a2, a3].map((m) => toOf(m.id))).toEqual([first, first, first]);
    expect([b1, b2].map((m) => toOf(m.id))).toEqual([second, second]);
    expect((await outbox(`to=${encodeURIComponent(second)}`)).data.map((m) => m.body)).toEqual(["b2", "b1"]);
    // Pages of the messages to one address, past the other address's messages in between.
    const page1 = await outbox(`to=${encodeURIComponent(first)}&limit=2`);
    expect(page1.data.map((m) => m.body)).toEqual(["a3", "a2"]);
    expect(page1.nextCursor).toBe(a2.id);
    const page2 = await outbox(`to=${encodeURIComponent(first)}&limit=2&cursor=${page1.nextCursor}`);
    expect(page2).toMatchObject({ data: [{ body: "a1", to: first }], nextCursor: null });
  });

  it("replays an Idempotency-Key and refuses its reuse for another message", async () => {
    const h = { "idempotency-key": "sbx-1" };
    const a = await simulate({ brandId: w.ws.brandId, from: "+15550100003", body: "STOP" }, h);
    const b = await simulate({ brandId: w.ws.brandId, from: "+15550100003", body: "STOP" }, h);
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.json()).toEqual(a.json());
    const contactId = (await contactOf(s, w, "sandbox", "+15550100003")) ?? "";
    expect(
      await count(s, "select count(*) as n from inbound_messages where contact_id = $1", [contactId]),
    ).toBe(1);
    const c = await simulate({ brandId: w.ws.brandId, from: "+15550100003", body: "START" }, h);
    expect(c.statusCode).toBe(409);
  });

  it("names the field at fault and writes nothing", async () => {
    const before = await count(s, "select count(*) as n from inbound_messages");
    const unknown = await simulate({ brandId: "brd_nope", from: "+15550100004", body: "hi" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: "not_found", field: "brandId" });
    const bare = await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
      createBrand(tx, {
        workspaceId: w.ws.workspaceId,
        name: "No sandbox",
        actor: { type: "system", id: null },
      }),
    );
    const noSender = await simulate({ brandId: bare.id, from: "+15550100004", body: "hi" });
    expect(noSender.statusCode).toBe(422);
    expect(noSender.json().error).toMatchObject({ code: "unprocessable", field: "brandId" });
    for (const [payload, field] of [
      [{ brandId: w.ws.brandId, body: "hi" }, "from"],
      [{ brandId: w.ws.brandId, from: "   ", body: "hi" }, "from"],
      [{ brandId: w.ws.brandId, from: "+15550100004", body: "" }, "body"],
      [{ brandId: w.ws.brandId, from: "+15550100004", body: "hi", extra: 1 }, undefined],
    ] as const) {
      const r = await simulate(payload);
      expect(r.statusCode).toBe(400);
      if (field) expect(r.json().error.field).toBe(field);
    }
    const other = await s.world("Other");
    const foreign = await simulate({ brandId: other.ws.brandId, from: "+15550100004", body: "STOP" });
    expect(foreign.statusCode).toBe(404);
    expect(await count(s, "select count(*) as n from inbound_messages")).toBe(before);
  });

  it("requires messages:send to simulate and messages:read to read the outbox", async () => {
    const readOnly = await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
      createApiKey(tx, {
        workspaceId: w.ws.workspaceId,
        name: "read",
        scopes: ["messages:read"],
        actor: { type: "system", id: null },
      }),
    );
    const denied = await s.app.inject({
      method: "POST",
      url: "/v1/sandbox/inbound",
      headers: bearer(readOnly.key),
      payload: { brandId: w.ws.brandId, from: "+15550100005", body: "STOP" },
    });
    expect(denied.statusCode).toBe(403);
    expect(
      (await s.app.inject({ method: "GET", url: "/v1/sandbox/outbox", headers: bearer(readOnly.key) }))
        .statusCode,
    ).toBe(200);
    expect((await s.app.inject({ method: "GET", url: "/v1/sandbox/outbox" })).statusCode).toBe(401);
  });
});
