import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TNormalizedEvent } from "../channels/index.js";
import { processInboundEvents } from "./process-inbound-events.js";
import {
  contactOf,
  count,
  createInboundServer,
  creds,
  dedupeIndex,
  ledger,
  postWebhook,
  signedMeta,
  type TInboundServer,
  type TInboundWorld,
} from "./testing/inbound-fixture.js";

/** A batch whose one event the database refuses (a data error) must not lose the other events. */
let s: TInboundServer;
let w: TInboundWorld;

describe("processInboundEvents: one event the database refuses", () => {
  beforeAll(async () => {
    s = await createInboundServer();
    w = await s.world("Batch");
  });
  afterAll(async () => s?.close());

  it("a WhatsApp message with an absurd timestamp does not cost the STOP beside it", async () => {
    const at = String(Math.floor(Date.now() / 1000));
    const m = signedMeta(creds.whatsapp.appSecret, {
      object: "whatsapp_business_account",
      entry: [
        {
          id: "102290129340398",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: {
                  display_phone_number: "15550783881",
                  phone_number_id: creds.whatsapp.phoneNumberId,
                },
                contacts: [
                  { profile: { name: "Ada" }, wa_id: "33612348001" },
                  { profile: { name: "Bo" }, wa_id: "33612348002" },
                ],
                messages: [
                  {
                    from: "33612348001",
                    id: "wamid.far-future",
                    timestamp: "999999999999",
                    type: "text",
                    text: { body: "hello" },
                  },
                  {
                    from: "33612348002",
                    id: "wamid.stop",
                    timestamp: at,
                    type: "text",
                    text: { body: "STOP" },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    const sentAt = Date.now();
    const r = await postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers);
    expect(r.statusCode, r.body).toBe(200);
    const stopper = await contactOf(s, w, "whatsapp", "+33612348002");
    expect(stopper).not.toBeNull();
    expect((await ledger(s, stopper ?? "")).map((e) => e.kind)).toContain("opt_out");
    // The absurd time is replaced by the time of receipt; the message itself is kept.
    const [kept] = await s.database.query<{ received_at: Date | string }>(
      "select received_at from inbound_messages where dedupe_index = $1",
      [dedupeIndex(w, "wamid.far-future")],
    );
    const keptAt = new Date(kept?.received_at ?? 0).getTime();
    expect(keptAt).toBeGreaterThanOrEqual(sentAt - 1000);
    expect(keptAt).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it("rejects the event with a data error (SQLSTATE 22) alone, writes none of it, and processes the rest", async () => {
    const account = { ...w.senders.whatsapp, workspaceId: w.ws.workspaceId, brandId: w.ws.brandId };
    const bad: TNormalizedEvent = {
      kind: "inbound_message",
      dedupeKey: "wamid.refused",
      providerMessageId: "wamid.refused",
      from: "33612348003",
      to: creds.whatsapp.phoneNumberId,
      body: "hello",
      // Before what the database stores (4713 BC): a data exception (SQLSTATE class 22) on both engines.
      receivedAt: new Date(-8.64e15),
    };
    const stop: TNormalizedEvent = {
      kind: "inbound_message",
      dedupeKey: "wamid.refused-stop",
      providerMessageId: "wamid.refused-stop",
      from: "33612348004",
      to: creds.whatsapp.phoneNumberId,
      body: "STOP",
      receivedAt: new Date(),
    };
    const outcomes = await processInboundEvents(s.ctx, {
      account: { ...account, channel: "whatsapp" },
      credentials: { ...creds.whatsapp },
      events: [bad, stop],
      actor: { type: "provider", id: "whatsapp-cloud" },
    });
    expect(outcomes[0]).toEqual({ kind: "rejected", code: "validation_failed", field: undefined });
    expect(outcomes[1]).toMatchObject({ kind: "message", action: "opted_out" });
    expect(
      await count(s, "select count(*) as n from inbound_messages where dedupe_index = $1", [
        dedupeIndex(w, "wamid.refused"),
      ]),
    ).toBe(0);
    expect(await contactOf(s, w, "whatsapp", "+33612348003")).toBeNull();
  });
});
