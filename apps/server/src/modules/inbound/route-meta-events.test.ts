import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { createChannelAccount } from "../messaging/index.js";
import {
  contactOf,
  count,
  createInboundServer,
  creds,
  ledger,
  postWebhook,
  signedMeta,
  type TInboundServer,
  type TInboundWorld,
} from "./testing/inbound-fixture.js";

/**
 * One Meta app, one callback URL: a signed body may carry the changes of two numbers that belong to two
 * different workspaces. Each event belongs to the number of its own change, never to the body as a whole.
 */
const NUMBER_A = creds.whatsapp.phoneNumberId;
const NUMBER_B = "106540352249002";
const WABA = "102290129340398";

let s: TInboundServer;
/** Holds sender A (the URL the body is posted to). */
let w1: TInboundWorld;
/** Holds sender B (same Meta app, same app secret). */
let w2: TInboundWorld;
let seq = 0;

function change(phoneNumberId: string, field: string, value: Record<string, unknown>) {
  return {
    id: WABA,
    changes: [
      {
        field,
        value: {
          messaging_product: "whatsapp",
          metadata: { display_phone_number: "15550783881", phone_number_id: phoneNumberId },
          ...value,
        },
      },
    ],
  };
}

const now = () => String(Math.floor(Date.now() / 1000));

function text(phoneNumberId: string, from: string, body: string) {
  return change(phoneNumberId, "messages", {
    contacts: [{ profile: { name: "Ada" }, wa_id: from }],
    messages: [{ from, id: `wamid.route${++seq}`, timestamp: now(), type: "text", text: { body } }],
  });
}

function stopPreference(phoneNumberId: string, waId: string) {
  return change(phoneNumberId, "user_preferences", {
    contacts: [{ wa_id: waId, profile: { name: "Bo" } }],
    user_preferences: [
      {
        wa_id: waId,
        detail: "User requested to stop marketing messages",
        category: "marketing_messages",
        value: "stop",
        timestamp: now(),
      },
    ],
  });
}

function failed131050(phoneNumberId: string, recipient: string) {
  return change(phoneNumberId, "messages", {
    statuses: [
      {
        id: `wamid.unknown${++seq}`,
        status: "failed",
        timestamp: now(),
        recipient_id: recipient,
        errors: [{ code: 131050, title: "Unable to deliver the message" }],
      },
    ],
  });
}

async function postToA(...entry: unknown[]) {
  const m = signedMeta(creds.whatsapp.appSecret, { object: "whatsapp_business_account", entry });
  return postWebhook(s.app, w1.senders.whatsapp.id, m.body, m.headers);
}

async function optOuts(w: TInboundWorld): Promise<number> {
  return count(s, "select count(*) as n from consent_ledger where workspace_id = $1 and kind = 'opt_out'", [
    w.ws.workspaceId,
  ]);
}

describe("Meta webhooks mixing two numbers of one app", () => {
  beforeAll(async () => {
    s = await createInboundServer();
    w1 = await s.world("W1");
    w2 = await s.world("W2");
    await withWorkspaceTx(s.ctx.db, w2.ws.workspaceId, (tx) =>
      createChannelAccount(tx, w2.keys, {
        workspaceId: w2.ws.workspaceId,
        actor: { type: "system", id: null },
        input: {
          brandId: w2.ws.brandId,
          channel: "whatsapp",
          providerId: "whatsapp-cloud",
          name: "number B",
          credentials: { ...creds.whatsapp, phoneNumberId: NUMBER_B },
        },
      }),
    );
  });
  afterAll(async () => s?.close());

  it("writes number B's user_preferences stop into B's workspace, never into A's", async () => {
    const r = await postToA(text(NUMBER_A, "33612349001", "Hello"), stopPreference(NUMBER_B, "33612349002"));
    expect(r.statusCode, r.body).toBe(200);
    expect(await contactOf(s, w1, "whatsapp", "+33612349002")).toBeNull();
    expect(await optOuts(w1)).toBe(0);
    const inW2 = await contactOf(s, w2, "whatsapp", "+33612349002");
    expect(inW2).not.toBeNull();
    expect(await ledger(s, inW2 ?? "")).toMatchObject([
      { kind: "opt_out", scope: "marketing", method: "provider_preference", brand_id: w2.ws.brandId },
    ]);
    // A's own message still reached A.
    expect(await contactOf(s, w1, "whatsapp", "+33612349001")).not.toBeNull();
  });

  it("does not apply number B's 131050 failure to a contact of A", async () => {
    expect((await postToA(text(NUMBER_A, "33612349003", "Hi"))).statusCode).toBe(200);
    const contactInW1 = await contactOf(s, w1, "whatsapp", "+33612349003");
    expect(contactInW1).not.toBeNull();
    const before = await optOuts(w1);
    const r = await postToA(text(NUMBER_A, "33612349004", "Hello"), failed131050(NUMBER_B, "33612349003"));
    expect(r.statusCode, r.body).toBe(200);
    expect(await optOuts(w1)).toBe(before);
    expect((await ledger(s, contactInW1 ?? "")).filter((e) => e.kind === "opt_out")).toEqual([]);
  });

  it("ignores the events of a number no sender of ours has, even beside A's own events", async () => {
    const r = await postToA(stopPreference("999000999", "33612349005"), text(NUMBER_A, "33612349006", "Hey"));
    expect(r.statusCode, r.body).toBe(200);
    expect(await contactOf(s, w1, "whatsapp", "+33612349005")).toBeNull();
    expect(await contactOf(s, w2, "whatsapp", "+33612349005")).toBeNull();
    expect(await contactOf(s, w1, "whatsapp", "+33612349006")).not.toBeNull();
    expect(await optOuts(w1)).toBe(0);
  });
});
