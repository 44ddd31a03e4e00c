import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advisoryLockFree, deferred, untilWaitingForAdvisoryLock } from "../../../test/advisory-locks.js";
import { testEngine } from "../../../test/harness.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { blindIndex } from "../../core/keyring.js";
import { buildWhatsAppTextWebhook } from "../channels/testing/index.js";
import { lockAddresses } from "../contacts/index.js";
import {
  contactOf,
  createInboundServer,
  creds,
  grantMarketing,
  ledger,
  postWebhook,
  send,
  signedMeta,
  statuses,
  type TInboundServer,
} from "./testing/inbound-fixture.js";

let s: TInboundServer;
beforeAll(async () => {
  s = await createInboundServer();
});
afterAll(async () => s?.close());

/** A WhatsApp text message with a business-scoped user id (`from` empty once Meta hides the number). */
function message(o: { from: string; userId: string; id: string; body: string }) {
  return signedMeta(
    creds.whatsapp.appSecret,
    buildWhatsAppTextWebhook({ phoneNumberId: creds.whatsapp.phoneNumberId, ...o }),
  );
}

describe("WhatsApp business-scoped user ids", () => {
  it("a STOP sent under the user id alone opts out the contact known by phone number, with its queue", async () => {
    const w = await s.world("BSUID");
    const userId = "US13491208655302741999";
    const hello = message({ from: "33612347001", userId, id: "wamid.bsuid-1", body: "Hello" });
    expect((await postWebhook(s.app, w.senders.whatsapp.id, hello.body, hello.headers)).statusCode).toBe(200);
    const contactId = (await contactOf(s, w, "whatsapp", "+33612347001")) ?? "";
    await grantMarketing(s, w, contactId, ["whatsapp"]);
    const queued = await send(s, w, {
      to: "+33612347001",
      channel: "whatsapp",
      channelAccountId: w.senders.whatsapp.id,
      category: "marketing",
    });
    expect(queued.status).toBe("queued");
    // Sends by contact still go to the number, not to the user id kept beside it.
    const byContact = await s.app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: { authorization: `Bearer ${w.ws.apiKey}` },
      payload: {
        contactId,
        channel: "whatsapp",
        brandId: w.ws.brandId,
        channelAccountId: w.senders.whatsapp.id,
        category: "transactional",
        body: "Your code",
      },
    });
    expect(byContact.statusCode).toBe(202);
    const shown = await s.app.inject({
      method: "GET",
      url: `/v1/messages/${byContact.json().id}`,
      headers: { authorization: `Bearer ${w.ws.apiKey}` },
    });
    expect(shown.json()).toMatchObject({ to: "+33612347001" });
    const stop = message({ from: "", userId, id: "wamid.bsuid-2", body: "STOP" });
    expect((await postWebhook(s.app, w.senders.whatsapp.id, stop.body, stop.headers)).statusCode).toBe(200);
    expect((await ledger(s, contactId)).filter((e) => e.kind === "opt_out")).toHaveLength(1);
    expect((await statuses(s, [queued.id]))[queued.id]).toMatchObject({
      status: "suppressed",
      reason: "opted_out",
    });
    // No second contact was made for the user id.
    expect(await contactOf(s, w, "whatsapp", userId)).toBe(contactId);
  });

  it("a STOP kept on a user-id-only contact stops the contact known by phone once Meta links them, and back", async () => {
    const w = await s.world("BSUID carry");
    const userId = "US13491208655302742888";
    const phone = "+33612347101";
    // Known by number first (the brand wrote to it), then Meta hides the number: a STOP under the user
    // id alone makes a contact of its own, opted out.
    const first = await send(s, w, {
      to: phone,
      channel: "whatsapp",
      channelAccountId: w.senders.whatsapp.id,
      category: "transactional",
    });
    const byPhone = first.contactId;
    await grantMarketing(s, w, byPhone, ["whatsapp"]);
    const stop = message({ from: "", userId, id: "wamid.carry-1", body: "STOP" });
    expect((await postWebhook(s.app, w.senders.whatsapp.id, stop.body, stop.headers)).statusCode).toBe(200);
    const byUserId = (await contactOf(s, w, "whatsapp", userId)) ?? "";
    expect(byUserId).not.toBe(byPhone);
    expect((await ledger(s, byUserId)).filter((e) => e.kind === "opt_out")).toHaveLength(1);
    // A template: outside the customer-service window (the number never wrote to us).
    const offered = await s.app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: { authorization: `Bearer ${w.ws.apiKey}` },
      payload: {
        to: phone,
        channel: "whatsapp",
        brandId: w.ws.brandId,
        channelAccountId: w.senders.whatsapp.id,
        category: "marketing",
        template: { name: "weekly_offer", language: "fr" },
      },
    });
    const offer = offered.json() as { id: string; status: string };
    expect(offer.status).toBe("queued");
    // A message naming both: the person is one, the STOP holds for the number too, queue included.
    const hello = message({ from: "33612347101", userId, id: "wamid.carry-2", body: "Hello?" });
    expect((await postWebhook(s.app, w.senders.whatsapp.id, hello.body, hello.headers)).statusCode).toBe(200);
    const carried = (await ledger(s, byPhone)).filter((e) => e.kind === "opt_out");
    expect(carried).toHaveLength(1);
    expect(carried[0]?.scope).toBe("all");
    expect((await statuses(s, [offer.id]))[offer.id]).toMatchObject({
      status: "suppressed",
      reason: "opted_out",
    });
    const later = await send(s, w, {
      to: phone,
      channel: "whatsapp",
      channelAccountId: w.senders.whatsapp.id,
      category: "transactional",
    });
    expect(later.status).toBe("suppressed");
    // Once only: another message naming both copies nothing again.
    const again = message({ from: "33612347101", userId, id: "wamid.carry-3", body: "Hi" });
    expect((await postWebhook(s.app, w.senders.whatsapp.id, again.body, again.headers)).statusCode).toBe(200);
    expect((await ledger(s, byPhone)).filter((e) => e.kind === "opt_out")).toHaveLength(1);
    expect((await ledger(s, byUserId)).filter((e) => e.kind === "opt_out")).toHaveLength(1);
  });

  it("a STOP sent with both names reaches the user-id-only contact and its queue too", async () => {
    const w = await s.world("BSUID carry back");
    const userId = "US13491208655302743777";
    const hi = message({ from: "", userId, id: "wamid.back-1", body: "Hi" });
    expect((await postWebhook(s.app, w.senders.whatsapp.id, hi.body, hi.headers)).statusCode).toBe(200);
    const byUserId = (await contactOf(s, w, "whatsapp", userId)) ?? "";
    const first = await send(s, w, {
      to: "+33612347102",
      channel: "whatsapp",
      channelAccountId: w.senders.whatsapp.id,
      category: "transactional",
    });
    expect(first.contactId).not.toBe(byUserId);
    const toUserId = await send(s, w, {
      to: userId,
      channel: "whatsapp",
      channelAccountId: w.senders.whatsapp.id,
      category: "transactional",
    });
    expect(toUserId.contactId).toBe(byUserId);
    const stop = message({ from: "33612347102", userId, id: "wamid.back-2", body: "STOP" });
    expect((await postWebhook(s.app, w.senders.whatsapp.id, stop.body, stop.headers)).statusCode).toBe(200);
    expect((await ledger(s, first.contactId)).filter((e) => e.kind === "opt_out")).toHaveLength(1);
    expect((await ledger(s, byUserId)).filter((e) => e.kind === "opt_out")).toHaveLength(1);
    const after = await send(s, w, {
      to: userId,
      channel: "whatsapp",
      channelAccountId: w.senders.whatsapp.id,
      category: "transactional",
    });
    expect(after.status).toBe("suppressed");
  });

  it.runIf(testEngine === "postgres")(
    "takes the number's and the user id's address locks together, in the one order (no deadlock with a new contact naming both)",
    async () => {
      const w = await s.world("BSUID locks");
      const ws = w.ws.workspaceId;
      const keyOf = async (kind: string, address: string) => {
        const index = blindIndex(w.keys, kind, address);
        const key = `${ws}:${kind}:${index}`;
        const [h] = await s.database.query<{ h: string }>("select hashtextextended($1, 0)::text as h", [key]);
        return { kind, index, key, hash: BigInt(h?.h ?? "0") };
      };
      // A number and a user id whose lock keys sort user id first: locking the number first and then the
      // user id (as this path did) waits for the number holding nothing.
      let found:
        | { phone: string; userId: string; first: { key: string }; second: { kind: string; index: string } }
        | undefined;
      for (let n = 0; !found && n < 500; n++) {
        const phone = `+336123480${String(n).padStart(2, "0")}`;
        const userId = `US1349120865530274${String(4000 + n)}`;
        const p = await keyOf("phone", phone);
        const u = await keyOf("wa_bsuid", userId);
        if (u.hash < p.hash) found = { phone, userId, first: u, second: p };
      }
      if (!found) throw new Error("no pair found");
      const pair = found;
      const held = deferred();
      const locked = deferred();
      const other = withWorkspaceTx(s.ctx.db, ws, async (tx) => {
        await lockAddresses(tx, { workspaceId: ws, addresses: [pair.second] });
        locked.resolve();
        await held.promise;
      });
      await locked.promise;
      const hello = message({
        from: pair.phone.slice(1),
        userId: pair.userId,
        id: "wamid.locks-1",
        body: "Hello",
      });
      const posted = postWebhook(s.app, w.senders.whatsapp.id, hello.body, hello.headers);
      try {
        await untilWaitingForAdvisoryLock(s.database);
        expect(await advisoryLockFree(s.database, pair.first.key)).toBe(false);
      } finally {
        held.resolve();
      }
      await other;
      expect((await posted).statusCode).toBe(200);
      expect(await contactOf(s, w, "whatsapp", pair.userId)).toBe(
        await contactOf(s, w, "whatsapp", pair.phone),
      );
    },
  );
});
