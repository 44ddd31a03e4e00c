import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWhatsAppTextWebhook } from "../channels/testing/index.js";
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
});
