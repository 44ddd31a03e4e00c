import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advisoryLockFree, deferred, untilWaitingForAdvisoryLock } from "../../../test/advisory-locks.js";
import { testEngine } from "../../../test/harness.js";
import { bearer } from "../../../test/server.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { blindIndex } from "../../core/keyring.js";
import {
  buildWhatsAppPreferenceWebhook,
  buildWhatsAppStatusWebhook,
  buildWhatsAppTextWebhook,
} from "../channels/testing/index.js";
import { lockAddresses } from "../contacts/index.js";
import {
  contactOf,
  createInboundServer,
  creds,
  grantMarketing,
  ledger,
  postWebhook,
  signedMeta,
  statuses,
  type TInboundServer,
  type TInboundWorld,
} from "./testing/inbound-fixture.js";

/**
 * Meta names one WhatsApp person by number and by business-scoped user id (BSUID) in statuses
 * (`recipient_id` + `recipient_user_id`) and `user_preferences` (`wa_id` + `user_id`) as well as in
 * messages: each links the two contacts Assent may hold for them, end to end through signed webhooks.
 */

let s: TInboundServer;
beforeAll(async () => {
  s = await createInboundServer();
});
afterAll(async () => s?.close());

async function post(w: TInboundWorld, payload: unknown) {
  const m = signedMeta(creds.whatsapp.appSecret, payload);
  const r = await postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers);
  expect(r.statusCode).toBe(200);
  return r;
}

/** A text message; `from: ""` when Meta hides the number. */
function message(w: TInboundWorld, o: { from: string; userId?: string; id: string; body: string }) {
  return post(w, buildWhatsAppTextWebhook({ phoneNumberId: creds.whatsapp.phoneNumberId, ...o }));
}

/** A status of one of our messages, with the recipient names as given (`undefined`: the key is absent). */
function status(
  w: TInboundWorld,
  o: {
    id: string;
    status?: "sent" | "delivered" | "read" | "failed";
    recipientId?: string;
    recipientUserId?: string;
    errorCode?: number;
  },
) {
  return post(
    w,
    buildWhatsAppStatusWebhook({
      phoneNumberId: creds.whatsapp.phoneNumberId,
      id: o.id,
      status: o.status ?? "sent",
      recipientId: o.recipientId,
      ...(o.recipientUserId === undefined ? {} : { recipientUserId: o.recipientUserId }),
      ...(o.errorCode === undefined ? {} : { errorCode: o.errorCode }),
    }),
  );
}

/** A `user_preferences` change naming the person by number and BSUID (`at`: unix seconds). */
function preference(
  w: TInboundWorld,
  o: { waId: string; userId: string; value: "stop" | "resume"; at: number },
) {
  return post(
    w,
    buildWhatsAppPreferenceWebhook({
      phoneNumberId: creds.whatsapp.phoneNumberId,
      waId: o.waId,
      userId: o.userId,
      value: o.value,
      at: new Date(o.at * 1000),
    }),
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

/** A template through the send API (the number may never have written: no customer-service window). */
async function waSend(
  w: TInboundWorld,
  to: string,
  category: "marketing" | "transactional" = "transactional",
): Promise<{ id: string; status: string; contactId: string }> {
  const r = await s.app.inject({
    method: "POST",
    url: "/v1/messages",
    headers: bearer(w.ws.apiKey),
    payload: {
      to,
      channel: "whatsapp",
      brandId: w.ws.brandId,
      channelAccountId: w.senders.whatsapp.id,
      category,
      template: { name: category === "marketing" ? "weekly_offer" : "order_update", language: "fr" },
    },
  });
  expect(r.statusCode).toBe(202);
  return r.json() as { id: string; status: string; contactId: string };
}

const optOuts = async (contactId: string) => (await ledger(s, contactId)).filter((e) => e.kind === "opt_out");

describe("a status naming number and BSUID links the person's two contacts", () => {
  it("a STOP kept on a BSUID-only contact reaches the number's contact by the first message's sent status", async () => {
    const w = await s.world("Status link");
    const userId = "US13491208655302750001";
    const digits = "33612349001";
    // The person writes STOP with their number hidden: a contact of its own, opted out.
    await message(w, { from: "", userId, id: "wamid.sl-1", body: "STOP" });
    const byUserId = (await contactOf(s, w, "whatsapp", userId)) ?? "";
    expect(await optOuts(byUserId)).toHaveLength(1);
    // The brand writes to the number: another contact. Nothing tells us yet that it is the same person,
    // so this first message goes; a second one waits in the queue.
    const first = await waSend(w, `+${digits}`);
    const byPhone = first.contactId;
    expect(byPhone).not.toBe(byUserId);
    expect(first.status).toBe("queued");
    const queued = await waSend(w, `+${digits}`);
    expect(queued.status).toBe("queued");
    await markSent(first.id, "wamid.sl-out-1");
    // Its sent status names both.
    await status(w, { id: "wamid.sl-out-1", recipientId: digits, recipientUserId: userId });
    const carried = await optOuts(byPhone);
    expect(carried).toHaveLength(1);
    expect(carried[0]).toMatchObject({ scope: "all", channel: "whatsapp", brand_id: w.ws.brandId });
    expect(await statuses(s, [first.id, queued.id])).toEqual({
      [first.id]: { status: "sent", reason: null },
      [queued.id]: { status: "suppressed", reason: "opted_out" },
    });
    const next = await waSend(w, `+${digits}`);
    expect(next.status).toBe("suppressed");
    expect((await statuses(s, [next.id]))[next.id]).toMatchObject({ reason: "opted_out" });
    // Nothing moved: each name stays with its contact.
    expect(await contactOf(s, w, "whatsapp", userId)).toBe(byUserId);
    expect(await contactOf(s, w, "whatsapp", `+${digits}`)).toBe(byPhone);
    // Later statuses naming both copy nothing again.
    await status(w, {
      id: "wamid.sl-out-1",
      status: "delivered",
      recipientId: digits,
      recipientUserId: userId,
    });
    expect(await optOuts(byPhone)).toHaveLength(1);
    expect(await optOuts(byUserId)).toHaveLength(1);
  });

  it("and back: the number's STOP reaches the BSUID contact by the status of a message sent to the BSUID", async () => {
    const w = await s.world("Status link back");
    const userId = "US13491208655302750002";
    const digits = "33612349002";
    await message(w, { from: digits, id: "wamid.slb-1", body: "STOP" });
    const byPhone = (await contactOf(s, w, "whatsapp", `+${digits}`)) ?? "";
    expect(await optOuts(byPhone)).toHaveLength(1);
    await message(w, { from: "", userId, id: "wamid.slb-2", body: "Hello" });
    const byUserId = (await contactOf(s, w, "whatsapp", userId)) ?? "";
    expect(byUserId).not.toBe(byPhone);
    const first = await waSend(w, userId);
    expect(first).toMatchObject({ contactId: byUserId, status: "queued" });
    const queued = await waSend(w, userId);
    await markSent(first.id, "wamid.slb-out-1");
    await status(w, {
      id: "wamid.slb-out-1",
      status: "delivered",
      recipientId: digits,
      recipientUserId: userId,
    });
    expect(await optOuts(byUserId)).toHaveLength(1);
    expect((await statuses(s, [queued.id]))[queued.id]).toEqual({
      status: "suppressed",
      reason: "opted_out",
    });
    expect((await waSend(w, userId)).status).toBe("suppressed");
    expect((await statuses(s, [first.id]))[first.id]?.status).toBe("delivered");
  });

  it("gives the one contact known the other name: the number's contact the BSUID, a BSUID contact the number", async () => {
    const w = await s.world("Status keeps names");
    // Known by number only: the status's BSUID becomes its address, so a STOP under it alone finds it.
    const toPhone = await waSend(w, "+33612349003");
    await markSent(toPhone.id, "wamid.skn-1");
    await status(w, {
      id: "wamid.skn-1",
      recipientId: "33612349003",
      recipientUserId: "US13491208655302750003",
    });
    expect(await contactOf(s, w, "whatsapp", "US13491208655302750003")).toBe(toPhone.contactId);
    const queued = await waSend(w, "+33612349003");
    await message(w, { from: "", userId: "US13491208655302750003", id: "wamid.skn-2", body: "STOP" });
    expect(await optOuts(toPhone.contactId)).toHaveLength(1);
    expect((await statuses(s, [queued.id]))[queued.id]).toEqual({
      status: "suppressed",
      reason: "opted_out",
    });
    // Known by BSUID only (the brand wrote to it): the status's number becomes its address.
    const toUserId = await waSend(w, "US13491208655302750004");
    await markSent(toUserId.id, "wamid.skn-3");
    await status(w, {
      id: "wamid.skn-3",
      recipientId: "33612349004",
      recipientUserId: "US13491208655302750004",
    });
    expect(await contactOf(s, w, "whatsapp", "+33612349004")).toBe(toUserId.contactId);
    // Neither known (a message we do not have): no contact is made for the pair.
    await status(w, {
      id: "wamid.skn-unknown",
      recipientId: "33612349005",
      recipientUserId: "US13491208655302750005",
    });
    expect(await contactOf(s, w, "whatsapp", "+33612349005")).toBeNull();
    expect(await contactOf(s, w, "whatsapp", "US13491208655302750005")).toBeNull();
  });

  it("a status with one name, an empty one, or a malformed one links nothing and is applied", async () => {
    const w = await s.world("Status one name");
    const userId = "US13491208655302750006";
    const digits = "33612349006";
    await message(w, { from: "", userId, id: "wamid.son-1", body: "STOP" });
    const byUserId = (await contactOf(s, w, "whatsapp", userId)) ?? "";
    const first = await waSend(w, `+${digits}`);
    const queued = await waSend(w, `+${digits}`);
    await markSent(first.id, "wamid.son-out");
    await status(w, { id: "wamid.son-out", recipientId: digits, recipientUserId: "" });
    await status(w, { id: "wamid.son-out", status: "delivered", recipientId: digits });
    await status(w, { id: "wamid.son-out", status: "read", recipientId: "", recipientUserId: userId });
    await status(w, {
      id: "wamid.son-out",
      status: "read",
      recipientId: digits,
      recipientUserId: "not a user id!",
    });
    await status(w, { id: "wamid.son-out", status: "read", recipientId: "12", recipientUserId: userId });
    expect(await optOuts(first.contactId)).toHaveLength(0);
    expect(await optOuts(byUserId)).toHaveLength(1);
    expect(await statuses(s, [first.id, queued.id])).toEqual({
      [first.id]: { status: "read", reason: null },
      [queued.id]: { status: "queued", reason: null },
    });
    expect(await contactOf(s, w, "whatsapp", userId)).toBe(byUserId);
    expect(await contactOf(s, w, "whatsapp", `+${digits}`)).toBe(first.contactId);
  });

  it("a BSUID held by a third contact (one with another number): its opt-outs reach the number's contact, nothing moves", async () => {
    const w = await s.world("Status third contact");
    const userId = "US13491208655302750007";
    // A contact holding another number and this BSUID (a message named both), opted out.
    await message(w, { from: "33612349070", userId, id: "wamid.stc-1", body: "STOP" });
    const third = (await contactOf(s, w, "whatsapp", userId)) ?? "";
    expect(await contactOf(s, w, "whatsapp", "+33612349070")).toBe(third);
    const toPhone = await waSend(w, "+33612349007");
    expect(toPhone.contactId).not.toBe(third);
    await markSent(toPhone.id, "wamid.stc-out");
    await status(w, { id: "wamid.stc-out", recipientId: "33612349007", recipientUserId: userId });
    expect(await optOuts(toPhone.contactId)).toHaveLength(1);
    expect((await waSend(w, "+33612349007")).status).toBe("suppressed");
    expect(await contactOf(s, w, "whatsapp", userId)).toBe(third);
    expect(await contactOf(s, w, "whatsapp", "+33612349070")).toBe(third);
    expect(await contactOf(s, w, "whatsapp", "+33612349007")).toBe(toPhone.contactId);
  });

  it("a START after a carried STOP resubscribes that name, and later events naming both do not undo it", async () => {
    const w = await s.world("Status START");
    const userId = "US13491208655302750008";
    const digits = "33612349008";
    await message(w, { from: "", userId, id: "wamid.sst-1", body: "STOP" });
    const byUserId = (await contactOf(s, w, "whatsapp", userId)) ?? "";
    const first = await waSend(w, `+${digits}`);
    await markSent(first.id, "wamid.sst-out-1");
    await status(w, { id: "wamid.sst-out-1", recipientId: digits, recipientUserId: userId });
    expect((await waSend(w, `+${digits}`)).status).toBe("suppressed");
    // START under both names: the number's contact is resubscribed (the BSUID contact keeps its STOP).
    await message(w, { from: digits, userId, id: "wamid.sst-2", body: "START" });
    const after = await waSend(w, `+${digits}`);
    expect(after.status).toBe("queued");
    await markSent(after.id, "wamid.sst-out-2");
    await status(w, {
      id: "wamid.sst-out-2",
      status: "delivered",
      recipientId: digits,
      recipientUserId: userId,
    });
    expect((await waSend(w, `+${digits}`)).status).toBe("queued");
    expect((await waSend(w, userId)).status).toBe("suppressed");
    expect((await ledger(s, first.contactId)).map((e) => e.kind)).toEqual(["opt_out", "opt_in"]);
    expect(await optOuts(byUserId)).toHaveLength(1);
  });

  it("a failed status with a provider opt-out naming both records it on the message's contact and carries it", async () => {
    const w = await s.world("Status 131050");
    const userId = "US13491208655302750009";
    const digits = "33612349009";
    await message(w, { from: "", userId, id: "wamid.s13-1", body: "Hi" });
    const byUserId = (await contactOf(s, w, "whatsapp", userId)) ?? "";
    await grantMarketing(s, w, byUserId, ["whatsapp"]);
    const waiting = await waSend(w, userId, "marketing");
    expect(waiting.status).toBe("queued");
    const offer = await waSend(w, `+${digits}`);
    await markSent(offer.id, "wamid.s13-out");
    await status(w, {
      id: "wamid.s13-out",
      status: "failed",
      recipientId: digits,
      recipientUserId: userId,
      errorCode: 131050,
    });
    expect((await optOuts(offer.contactId)).map((e) => e.scope)).toEqual(["marketing"]);
    expect((await optOuts(byUserId)).map((e) => e.scope)).toEqual(["marketing"]);
    expect((await statuses(s, [waiting.id]))[waiting.id]).toEqual({
      status: "suppressed",
      reason: "opted_out_marketing",
    });
  });
});

describe("a user_preferences change naming number and BSUID links them", () => {
  it("a stop reaches the BSUID contact's queue, and the BSUID contact's STOP the number's; a resume is not undone", async () => {
    const w = await s.world("Preference link");
    const userId = "US13491208655302750010";
    const digits = "33612349010";
    // The BSUID-only contact, with a marketing message waiting.
    await message(w, { from: "", userId, id: "wamid.pl-1", body: "Hi" });
    const byUserId = (await contactOf(s, w, "whatsapp", userId)) ?? "";
    await grantMarketing(s, w, byUserId, ["whatsapp"]);
    const waitingForUserId = await waSend(w, userId, "marketing");
    // The number's contact, with a marketing message waiting.
    const toPhone = await waSend(w, `+${digits}`);
    const byPhone = toPhone.contactId;
    await grantMarketing(s, w, byPhone, ["whatsapp"]);
    const waitingForPhone = await waSend(w, `+${digits}`, "marketing");
    const at = Math.floor(Date.now() / 1000);
    await preference(w, { waId: digits, userId, value: "stop", at });
    expect((await optOuts(byPhone)).map((e) => [e.scope, e.method])).toEqual([
      ["marketing", "provider_preference"],
    ]);
    expect((await optOuts(byUserId)).map((e) => [e.scope, e.method])).toEqual([
      ["marketing", "provider_preference"],
    ]);
    expect(await statuses(s, [waitingForUserId.id, waitingForPhone.id])).toEqual({
      [waitingForUserId.id]: { status: "suppressed", reason: "opted_out_marketing" },
      [waitingForPhone.id]: { status: "suppressed", reason: "opted_out_marketing" },
    });
    expect(await contactOf(s, w, "whatsapp", userId)).toBe(byUserId);
    // The switch turned back on: the number's contact takes marketing again, and the copy held by the
    // BSUID contact is not carried back (nor by a later status naming both).
    await preference(w, { waId: digits, userId, value: "resume", at: at + 1 });
    expect((await waSend(w, `+${digits}`, "marketing")).status).toBe("queued");
    await markSent(toPhone.id, "wamid.pl-out");
    await status(w, { id: "wamid.pl-out", recipientId: digits, recipientUserId: userId });
    expect((await waSend(w, `+${digits}`, "marketing")).status).toBe("queued");
    expect((await waSend(w, userId, "marketing")).status).toBe("suppressed");
  });

  it("a BSUID-only contact's STOP reaches the number's contact and its queue", async () => {
    const w = await s.world("Preference carries STOP");
    const userId = "US13491208655302750011";
    const digits = "33612349011";
    await message(w, { from: "", userId, id: "wamid.pcs-1", body: "STOP" });
    const queued = await waSend(w, `+${digits}`);
    await preference(w, { waId: digits, userId, value: "stop", at: Math.floor(Date.now() / 1000) });
    expect((await optOuts(queued.contactId)).map((e) => e.scope).sort()).toEqual(["all", "marketing"]);
    expect((await statuses(s, [queued.id]))[queued.id]).toEqual({
      status: "suppressed",
      reason: "opted_out",
    });
    expect((await waSend(w, `+${digits}`)).status).toBe("suppressed");
  });

  it("a number not known yet becomes a contact holding the BSUID too", async () => {
    const w = await s.world("Preference keeps BSUID");
    const userId = "US13491208655302750012";
    await preference(w, { waId: "33612349012", userId, value: "stop", at: Math.floor(Date.now() / 1000) });
    const byPhone = await contactOf(s, w, "whatsapp", "+33612349012");
    expect(byPhone).not.toBeNull();
    expect(await contactOf(s, w, "whatsapp", userId)).toBe(byPhone);
  });
});

describe.runIf(testEngine === "postgres")(
  "lock order of the names (no deadlock with inbound messages)",
  () => {
    /** A number and a BSUID whose address-lock keys sort BSUID first, so taking the number's first shows. */
    async function pairSortingUserIdFirst(w: TInboundWorld, base: number) {
      const ws = w.ws.workspaceId;
      const keyOf = async (kind: string, address: string) => {
        const index = blindIndex(w.keys, kind, address);
        const key = `${ws}:${kind}:${index}`;
        const [h] = await s.database.query<{ h: string }>("select hashtextextended($1, 0)::text as h", [key]);
        return { kind, index, key, hash: BigInt(h?.h ?? "0") };
      };
      for (let n = 0; n < 500; n++) {
        const phone = `+33612${String(base + n).padStart(6, "0")}`;
        const userId = `US1349120865530275${String(5000 + n)}`;
        const p = await keyOf("phone", phone);
        const u = await keyOf("wa_bsuid", userId);
        if (u.hash < p.hash) return { phone, userId, first: u, second: p };
      }
      throw new Error("no pair found");
    }

    /** Holds the number's lock elsewhere while `act` posts; the webhook must hold the BSUID's meanwhile. */
    async function takesBothInOrder(
      w: TInboundWorld,
      pair: { first: { key: string }; second: { kind: string; index: string } },
      act: () => Promise<unknown>,
    ) {
      const ws = w.ws.workspaceId;
      const held = deferred();
      const locked = deferred();
      const other = withWorkspaceTx(s.ctx.db, ws, async (tx) => {
        await lockAddresses(tx, { workspaceId: ws, addresses: [pair.second] });
        locked.resolve();
        await held.promise;
      });
      await locked.promise;
      const posted = act();
      try {
        await untilWaitingForAdvisoryLock(s.database);
        expect(await advisoryLockFree(s.database, pair.first.key)).toBe(false);
      } finally {
        held.resolve();
      }
      await other;
      await posted;
    }

    it("a status naming both takes both address locks together, in the one order", async () => {
      const w = await s.world("Status locks");
      const pair = await pairSortingUserIdFirst(w, 349100);
      await message(w, { from: "", userId: pair.userId, id: "wamid.stl-1", body: "STOP" });
      const first = await waSend(w, pair.phone);
      await markSent(first.id, "wamid.stl-out");
      await takesBothInOrder(w, pair, () =>
        status(w, { id: "wamid.stl-out", recipientId: pair.phone.slice(1), recipientUserId: pair.userId }),
      );
      expect(await optOuts(first.contactId)).toHaveLength(1);
    });

    it("a user_preferences change naming both takes both address locks together, in the one order", async () => {
      const w = await s.world("Preference locks");
      const pair = await pairSortingUserIdFirst(w, 349700);
      await takesBothInOrder(w, pair, () =>
        preference(w, {
          waId: pair.phone.slice(1),
          userId: pair.userId,
          value: "stop",
          at: Math.floor(Date.now() / 1000),
        }),
      );
      expect(await contactOf(s, w, "whatsapp", pair.userId)).toBe(
        await contactOf(s, w, "whatsapp", pair.phone),
      );
    });

    it("statuses and messages naming both, concurrently, all succeed", async () => {
      const w = await s.world("Concurrent names");
      const work: Promise<unknown>[] = [];
      for (let n = 0; n < 4; n++) {
        const digits = `3361235${String(n).padStart(4, "0")}`;
        const userId = `US134912086553027600${n}`;
        await message(w, { from: "", userId, id: `wamid.cn-${n}`, body: "STOP" });
        const sent = await waSend(w, `+${digits}`);
        await markSent(sent.id, `wamid.cn-out-${n}`);
        work.push(
          status(w, { id: `wamid.cn-out-${n}`, recipientId: digits, recipientUserId: userId }),
          message(w, { from: digits, userId, id: `wamid.cn-in-${n}`, body: "Hello" }),
          preference(w, { waId: digits, userId, value: "stop", at: Math.floor(Date.now() / 1000) + n }),
        );
      }
      await Promise.all(work);
      for (let n = 0; n < 4; n++) {
        const byPhone = (await contactOf(s, w, "whatsapp", `+3361235${String(n).padStart(4, "0")}`)) ?? "";
        expect((await optOuts(byPhone)).some((e) => e.scope === "all")).toBe(true);
      }
    });
  },
);
