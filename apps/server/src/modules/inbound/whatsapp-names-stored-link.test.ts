import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEngine } from "../../../test/harness.js";
import { bearer } from "../../../test/server.js";
import { createAdapter, createFakeRecorder } from "../channels/index.js";
import { buildWhatsAppStatusWebhook, buildWhatsAppTextWebhook } from "../channels/testing/index.js";
import { consentRoutes } from "../consent/index.js";
import { startDispatcher } from "../messaging/index.js";
import {
  contactOf,
  createInboundServer,
  creds,
  postWebhook,
  signedMeta,
  statuses,
  type TInboundServer,
  type TInboundWorld,
} from "./testing/inbound-fixture.js";

/**
 * Once a webhook has named a WhatsApp number and a BSUID held by two contacts, the two are stored as
 * linked (contact_links), and every opt-out recorded LATER on either, by any path (a STOP under one name,
 * the API, an import), reaches the other in the same transaction, with its queue: end to end through
 * signed webhooks and the HTTP routes.
 */

let s: TInboundServer;
beforeAll(async () => {
  s = await createInboundServer({ routes: [consentRoutes] });
});
afterAll(async () => s?.close());

async function post(w: TInboundWorld, payload: unknown) {
  const m = signedMeta(creds.whatsapp.appSecret, payload);
  const r = await postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers);
  expect(r.statusCode, r.body).toBe(200);
  return r;
}

/** A text message; `from: ""` when Meta hides the number. */
function message(w: TInboundWorld, o: { from: string; userId?: string; id: string; body: string }) {
  return post(w, buildWhatsAppTextWebhook({ phoneNumberId: creds.whatsapp.phoneNumberId, ...o }));
}

/** A `sent` status of one of our messages naming the recipient by number and BSUID. */
function status(w: TInboundWorld, o: { id: string; recipientId: string; recipientUserId: string }) {
  return post(
    w,
    buildWhatsAppStatusWebhook({ phoneNumberId: creds.whatsapp.phoneNumberId, status: "sent", ...o }),
  );
}

/** What the dispatcher does when Meta accepts a send: `sent`, with the wamid statuses find it by. */
async function markSent(messageId: string, wamid: string) {
  await s.database.query(
    "update messages set status = 'sent', due_at = null, provider_message_id = $2 where id = $1",
    [messageId, wamid],
  );
  await s.database.query(
    `insert into message_provider_ids (channel_account_id, provider_message_id, message_id, workspace_id)
      select channel_account_id, provider_message_id, id, workspace_id from messages where id = $1`,
    [messageId],
  );
}

/** A transactional template through the send API (no customer-service window needed). */
async function waSend(w: TInboundWorld, to: string, brandId = w.ws.brandId) {
  const r = await s.app.inject({
    method: "POST",
    url: "/v1/messages",
    headers: bearer(w.ws.apiKey),
    payload: {
      to,
      channel: "whatsapp",
      brandId,
      channelAccountId: w.senders.whatsapp.id,
      category: "transactional",
      template: { name: "order_update", language: "fr" },
    },
  });
  expect(r.statusCode, r.body).toBe(202);
  return r.json() as { id: string; status: string; contactId: string };
}

interface TEntry {
  id: string;
  brand_id: string;
  kind: string;
  scope: string | null;
  method: string;
  source: string | null;
  actor_type: string;
}

async function optOuts(contactId: string): Promise<TEntry[]> {
  return s.database.query<TEntry>(
    `select id, brand_id, kind, scope, method, source, actor_type from consent_ledger
      where contact_id = $1 and kind = 'opt_out' order by seq`,
    [contactId],
  );
}

async function links(w: TInboundWorld): Promise<[string, string][]> {
  const found = await s.database.query<{ contact_id: string; linked_contact_id: string }>(
    "select contact_id, linked_contact_id from contact_links where workspace_id = $1 order by 1, 2",
    [w.ws.workspaceId],
  );
  return found.map((r) => [r.contact_id, r.linked_contact_id]);
}

async function decision(w: TInboundWorld, contactId: string, brandId: string) {
  const r = await s.app.inject({
    method: "POST",
    url: "/v1/consent/decisions",
    headers: bearer(w.ws.apiKey),
    payload: { contactId, brandId, channel: "whatsapp", category: "transactional" },
  });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as { allowed: boolean; reason: string };
}

function apiOptOut(
  w: TInboundWorld,
  contactId: string,
  o: { brandId?: string; scope?: "all" | "marketing" } = {},
) {
  return s.app.inject({
    method: "POST",
    url: `/v1/contacts/${contactId}/opt-out`,
    headers: bearer(w.ws.apiKey),
    payload: { brandId: o.brandId ?? w.ws.brandId, channel: "whatsapp", scope: o.scope ?? "all" },
  });
}

const pad = (n: number) => String(n).padStart(4, "0");

/**
 * Two contacts for one person, linked: a BSUID-only contact (a message with the number hidden), and the
 * number's contact (the brand wrote to it), whose first message's `sent` status names both.
 */
async function linkedPair(w: TInboundWorld, n: number) {
  const userId = `US1349120865530278${pad(n)}`;
  const digits = `3361237${pad(n)}`;
  await message(w, { from: "", userId, id: `wamid.lk-${n}-hi`, body: "Hello" });
  const byUserId = (await contactOf(s, w, "whatsapp", userId)) ?? "";
  const first = await waSend(w, `+${digits}`);
  const byPhone = first.contactId;
  expect(byPhone).not.toBe(byUserId);
  await markSent(first.id, `wamid.lk-${n}-out`);
  await status(w, { id: `wamid.lk-${n}-out`, recipientId: digits, recipientUserId: userId });
  return { userId, digits, byUserId, byPhone };
}

describe("the link between a number's contact and a BSUID's contact is stored", () => {
  it("once, in both directions, by the first webhook naming both; later ones write nothing", async () => {
    const w = await s.world("Stored link");
    const p = await linkedPair(w, 1);
    const pair = [p.byPhone, p.byUserId].sort() as [string, string];
    expect(await links(w)).toEqual([pair, [pair[1], pair[0]]]);
    const again = await waSend(w, `+${p.digits}`);
    await markSent(again.id, "wamid.lk-1-out-2");
    await status(w, { id: "wamid.lk-1-out-2", recipientId: p.digits, recipientUserId: p.userId });
    expect(await links(w)).toHaveLength(2);
    const audited = await s.database.query<{ n: number }>(
      "select count(*)::int as n from audit_log where workspace_id = $1 and action = 'contact.linked'",
      [w.ws.workspaceId],
    );
    expect(audited[0]?.n).toBe(1);
  });
});

describe("an opt-out recorded later on one of two linked contacts reaches the other at once", () => {
  it("a BSUID-only STOP: the number's contact is opted out, its queue suppressed, the next send suppressed", async () => {
    const w = await s.world("Later STOP");
    const p = await linkedPair(w, 2);
    const queued = [await waSend(w, `+${p.digits}`), await waSend(w, `+${p.digits}`)];
    expect(queued.map((m) => m.status)).toEqual(["queued", "queued"]);
    // The person writes STOP with their number hidden: nothing names the number.
    await message(w, { from: "", userId: p.userId, id: "wamid.lk-2-stop", body: "STOP" });
    const [original] = await optOuts(p.byUserId);
    expect(original).toMatchObject({ scope: "all", method: "keyword", actor_type: "contact" });
    const carried = await optOuts(p.byPhone);
    expect(carried).toHaveLength(1);
    expect(carried[0]).toMatchObject({
      brand_id: w.ws.brandId,
      scope: "all",
      method: "keyword",
      actor_type: "system",
    });
    expect(carried[0]?.source).toContain(p.byUserId);
    expect(carried[0]?.source).toContain(original?.id ?? "?");
    const ids = queued.map((m) => m.id);
    expect(await statuses(s, ids)).toEqual(
      Object.fromEntries(ids.map((id) => [id, { status: "suppressed", reason: "opted_out" }])),
    );
    const evidence = await s.database.query<{ decision_ledger_ids: string[] }>(
      "select decision_ledger_ids from messages where id = any($1::text[])",
      [ids],
    );
    for (const r of evidence) expect(r.decision_ledger_ids).toEqual([carried[0]?.id]);
    const next = await waSend(w, `+${p.digits}`);
    expect(next.status).toBe("suppressed");
    expect((await statuses(s, [next.id]))[next.id]).toEqual({ status: "suppressed", reason: "opted_out" });
    // Nothing moved or merged.
    expect(await contactOf(s, w, "whatsapp", p.userId)).toBe(p.byUserId);
    expect(await contactOf(s, w, "whatsapp", `+${p.digits}`)).toBe(p.byPhone);
  });

  it("an opt-out through the API on the number's contact: the BSUID contact is opted out", async () => {
    const w = await s.world("Later API opt-out");
    const p = await linkedPair(w, 3);
    const r = await apiOptOut(w, p.byPhone);
    expect(r.statusCode, r.body).toBe(201);
    expect(Object.keys(r.json() as object).sort()).toEqual(["alreadyOptedOut", "ledgerEntryId"]);
    const carried = await optOuts(p.byUserId);
    expect(carried.map((e) => [e.scope, e.method])).toEqual([["all", "api"]]);
    expect(carried[0]?.source).toContain((r.json() as { ledgerEntryId: string }).ledgerEntryId);
    expect(await decision(w, p.byUserId, w.ws.brandId)).toMatchObject({
      allowed: false,
      reason: "opted_out",
    });
    expect((await waSend(w, p.userId)).status).toBe("suppressed");
    // Said again: recorded on the contact asked about, nothing more on the other (it is opted out already).
    expect((await apiOptOut(w, p.byPhone)).json()).toMatchObject({ alreadyOptedOut: true });
    expect(await optOuts(p.byUserId)).toHaveLength(1);
  });

  it("an imported opt-out naming one: the other is opted out too", async () => {
    const w = await s.world("Later import");
    const p = await linkedPair(w, 4);
    const r = await s.app.inject({
      method: "POST",
      url: "/v1/consents/import",
      headers: bearer(w.ws.apiKey),
      payload: {
        brandId: w.ws.brandId,
        records: [{ channel: "whatsapp", address: `+${p.digits}` }],
        optOut: { scope: "marketing", source: "suppression list" },
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    expect((await optOuts(p.byPhone)).map((e) => [e.scope, e.method])).toEqual([["marketing", "import"]]);
    expect((await optOuts(p.byUserId)).map((e) => [e.scope, e.method])).toEqual([["marketing", "import"]]);
  });

  it("never crosses brands: an opt-out of brand B reaches the other contact for brand B only", async () => {
    const w = await s.world("Linked brands");
    const brand = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: bearer(w.ws.apiKey),
      payload: { name: "Brand B" },
    });
    expect(brand.statusCode, brand.body).toBe(201);
    const brandB = (brand.json() as { id: string }).id;
    const brandA = w.ws.brandId;
    const p = await linkedPair(w, 5);
    expect((await apiOptOut(w, p.byUserId, { brandId: brandB })).statusCode).toBe(201);
    expect((await optOuts(p.byPhone)).map((e) => e.brand_id)).toEqual([brandB]);
    expect(await decision(w, p.byPhone, brandB)).toMatchObject({ allowed: false, reason: "opted_out" });
    expect(await decision(w, p.byPhone, brandA)).toMatchObject({ allowed: true });
    expect(await decision(w, p.byUserId, brandA)).toMatchObject({ allowed: true });
    expect((await waSend(w, `+${p.digits}`)).status).toBe("queued");
    // A STOP to brand A under the number reaches the BSUID contact for brand A; brand B's stay one each.
    await message(w, { from: p.digits, id: "wamid.lk-5-stop", body: "STOP" });
    expect((await optOuts(p.byUserId)).map((e) => e.brand_id)).toEqual([brandB, brandA]);
    expect((await optOuts(p.byPhone)).map((e) => e.brand_id)).toEqual([brandB, brandA]);
  });

  it("goes along a chain of links (A to B to C), once each, and a cycle of links ends", async () => {
    const w = await s.world("Linked chain");
    const p = await linkedPair(w, 6);
    // A second number's contact, named with the same BSUID: linked to the BSUID's contact, not to the first.
    const other = await waSend(w, "+33612370106");
    await markSent(other.id, "wamid.lk-6-other");
    await status(w, { id: "wamid.lk-6-other", recipientId: "33612370106", recipientUserId: p.userId });
    const third = other.contactId;
    expect(new Set([p.byPhone, p.byUserId, third]).size).toBe(3);
    expect(await links(w)).toHaveLength(4);
    const waiting = await waSend(w, "+33612370106");
    // An opt-out on the first number's contact reaches the third through the BSUID's contact.
    const r = await apiOptOut(w, p.byPhone, { scope: "marketing" });
    expect(r.statusCode).toBe(201);
    const original = (r.json() as { ledgerEntryId: string }).ledgerEntryId;
    for (const contactId of [p.byUserId, third]) {
      const carried = await optOuts(contactId);
      expect(carried.map((e) => e.scope)).toEqual(["marketing"]);
      expect(carried[0]?.source).toContain(original);
    }
    // Close the loop (the first number's contact linked to the third as well): each still gets one copy.
    await s.database.query(
      `insert into contact_links (workspace_id, contact_id, linked_contact_id, reason, created_at)
        values ($1, $2, $3, 'whatsapp_user_id', now()), ($1, $3, $2, 'whatsapp_user_id', now())`,
      [w.ws.workspaceId, p.byPhone, third],
    );
    await message(w, { from: "", userId: p.userId, id: "wamid.lk-6-stop", body: "STOP" });
    for (const contactId of [p.byPhone, third])
      expect((await optOuts(contactId)).map((e) => e.scope)).toEqual(["marketing", "all"]);
    expect((await optOuts(p.byUserId)).map((e) => e.scope)).toEqual(["marketing", "all"]);
    expect((await statuses(s, [waiting.id]))[waiting.id]).toEqual({
      status: "suppressed",
      reason: "opted_out",
    });
  });

  it("an erased contact's links go with it, and nothing is carried to it afterwards", async () => {
    const w = await s.world("Linked erasure");
    const p = await linkedPair(w, 7);
    expect(await links(w)).toHaveLength(2);
    await s.database.query("update contacts set erased_at = now() where id = $1", [p.byUserId]);
    expect(await links(w)).toEqual([]);
    expect((await apiOptOut(w, p.byPhone)).statusCode).toBe(201);
    expect(await optOuts(p.byUserId)).toEqual([]);
  });
});

describe.runIf(testEngine === "postgres")(
  "an opt-out carried while the other contact's queue is dispatched",
  () => {
    it("nothing is handed to the channel by a decision taken after the carried opt-out committed, and no deadlock", {
      timeout: 120_000,
    }, async () => {
      const w = await s.world("Linked dispatch race");
      const p = await linkedPair(w, 8);
      // No pair pacing (WhatsApp's one message every few seconds to a user would take minutes), and a
      // sender rate that spreads the queue over a few seconds, so the opt-outs land mid-dispatch.
      await s.database.query(
        "update channel_accounts set rate_per_recipient = null, rate_per_second = 50 where id = $1",
        [w.senders.whatsapp.id],
      );
      const TOTAL = 150;
      const queued: string[] = [];
      for (let n = 0; n < TOTAL; n++) queued.push((await waSend(w, `+${p.digits}`)).id);
      const recorder = createFakeRecorder();
      const handed = new Map<string, Date>();
      let optingOut: Promise<{ committedAt: Date; codes: number[] }> | undefined;
      const stop = await startDispatcher(s.ctx, {
        createAdapter: (_account, credentials) => createAdapter("fake", credentials, { recorder }),
        pollMs: 20,
        batchSize: 10,
        recordEveryMs: 5,
        ...(s.database.url ? { listenUrl: s.database.url } : {}),
        onHandOff: (m) => {
          if (m.contactId !== p.byPhone) return;
          handed.set(m.id, m.claimedAt);
          if (handed.size === 20 && !optingOut) {
            // At once: a STOP under the BSUID alone (carried to the number's contact, whose messages are
            // being dispatched), and an agent's opt-out of marketing on the number's contact (carried back).
            optingOut = Promise.all([
              postWebhook(
                s.app,
                w.senders.whatsapp.id,
                ...(() => {
                  const m = signedMeta(
                    creds.whatsapp.appSecret,
                    buildWhatsAppTextWebhook({
                      phoneNumberId: creds.whatsapp.phoneNumberId,
                      from: "",
                      userId: p.userId,
                      id: "wamid.lk-8-stop",
                      body: "STOP",
                    }),
                  );
                  return [m.body, m.headers] as const;
                })(),
              ),
              apiOptOut(w, p.byPhone, { scope: "marketing" }),
            ]).then((rs) => ({ committedAt: new Date(), codes: rs.map((r) => r.statusCode) }));
          }
        },
      });
      try {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const left = await s.database.query<{ n: number }>(
            "select count(*)::int as n from messages where contact_id = $1 and status in ('queued', 'sending')",
            [p.byPhone],
          );
          if (left[0]?.n === 0 && optingOut !== undefined) break;
          if (Date.now() > deadline) throw new Error("the queue never drained");
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await stop();
      }
      const done = await optingOut;
      if (!done) throw new Error("the opt-outs never ran");
      expect(done.codes).toEqual([200, 201]);
      const carried = (await optOuts(p.byPhone)).filter((e) => e.scope === "all");
      expect(carried).toHaveLength(1);
      // The agent's marketing opt-out is on the number's contact; the BSUID contact holds it only if it
      // committed before the STOP (an opt-out from everything already covers marketing).
      expect((await optOuts(p.byPhone)).map((e) => e.scope).sort()).toEqual(["all", "marketing"]);
      expect((await optOuts(p.byUserId)).map((e) => e.scope)).toContain("all");
      // Every message was either handed over before the opt-out committed, or suppressed under its copy.
      const rows = await s.database.query<{
        id: string;
        status: string;
        reason: string | null;
        decision_ledger_ids: string[];
      }>("select id, status, reason, decision_ledger_ids from messages where id = any($1::text[])", [queued]);
      const stopped = rows.filter((r) => r.status === "suppressed");
      expect(stopped.length).toBeGreaterThan(0);
      expect(handed.size).toBeGreaterThan(0);
      expect(handed.size + stopped.length).toBe(TOTAL);
      for (const r of stopped) {
        expect(r.reason).toBe("opted_out");
        expect(r.decision_ledger_ids).toEqual([carried[0]?.id]);
        expect(handed.has(r.id)).toBe(false);
      }
      for (const claimedAt of handed.values())
        expect(claimedAt.getTime()).toBeLessThan(done.committedAt.getTime());
      const sentTo = new Set(recorder.sent.map((m) => m.message.messageId));
      for (const id of handed.keys()) expect(sentTo.has(id)).toBe(true);
    });
  },
);
