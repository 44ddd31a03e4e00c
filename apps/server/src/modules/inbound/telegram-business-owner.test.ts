import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  contactOf,
  createInboundServer,
  creds,
  footprint,
  inbound,
  postWebhook,
  type TInboundServer,
  type TInboundWorld,
} from "./testing/inbound-fixture.js";

/**
 * Telegram Business: the bot receives every message of the business's private chats, the customer's and
 * the business's own (typed by the owner, or sent by a business bot). Only the customer's are inbound.
 */
let s: TInboundServer;
let w: TInboundWorld;

const headers = {
  "content-type": "application/json",
  "x-telegram-bot-api-secret-token": creds.telegram.webhookSecret,
};
const owner = { id: 4470001, is_bot: false, first_name: "Shop owner" };
const customer = { id: 5570001, is_bot: false, first_name: "Customer" };
const connectionId = "bc-owner-1";

function post(update: unknown) {
  return postWebhook(s.app, w.senders.telegram.id, JSON.stringify(update), headers);
}

function businessMessage(updateId: number, messageId: number, text: string, extra: Record<string, unknown>) {
  return {
    update_id: updateId,
    business_message: {
      message_id: messageId,
      business_connection_id: connectionId,
      from: customer,
      chat: { id: customer.id, type: "private", first_name: "Customer" },
      date: Math.floor(Date.now() / 1000),
      text,
      ...extra,
    },
  };
}

describe("Telegram Business: the business's own messages in a customer chat", () => {
  beforeAll(async () => {
    s = await createInboundServer();
    w = await s.world("Shop");
    const connected = await post({
      update_id: 7001,
      business_connection: {
        id: connectionId,
        user: owner,
        user_chat_id: owner.id,
        date: Math.floor(Date.now() / 1000) - 60,
        is_enabled: true,
        rights: { can_reply: true },
      },
    });
    expect(connected.statusCode).toBe(200);
  });
  afterAll(async () => s?.close());

  it("an owner typing Cancel in the customer's chat is acknowledged and stores nothing", async () => {
    const before = await footprint(s);
    const r = await post(businessMessage(7002, 11, "Cancel", { from: owner }));
    expect(r.statusCode, r.body).toBe(200);
    expect(await footprint(s)).toEqual(before);
    expect(await contactOf(s, w, "telegram", String(customer.id))).toBeNull();
  });

  it("a message a business bot sent on the business's behalf is not the customer's either", async () => {
    const before = await footprint(s);
    const r = await post(
      businessMessage(7003, 12, "STOP", {
        from: owner,
        sender_business_bot: { id: 7012345678, is_bot: true, first_name: "Shop bot" },
      }),
    );
    expect(r.statusCode, r.body).toBe(200);
    expect(await footprint(s)).toEqual(before);
  });

  it("the customer's own business message is still inbound", async () => {
    const r = await post(businessMessage(7004, 13, "Hello, is my order ready?", {}));
    expect(r.statusCode, r.body).toBe(200);
    const contactId = await contactOf(s, w, "telegram", String(customer.id));
    expect(contactId).not.toBeNull();
    expect(await inbound(s, contactId ?? "")).toHaveLength(1);
  });
});
