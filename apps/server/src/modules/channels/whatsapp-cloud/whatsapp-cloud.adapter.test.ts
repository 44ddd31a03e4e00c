import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TNormalizedEvent } from "../channel-adapter.js";
import { createAdapter } from "../registry.js";
import {
  catchChannelError,
  signMetaWebhook,
  startFakeWhatsAppServer,
  type TFakeWhatsAppServer,
} from "../testing/index.js";

const credentials = {
  phoneNumberId: "106540352242922",
  accessToken: "EAAG-test-access-token",
  appSecret: "3f2b1c0d9e8a7f6b5c4d3e2f1a0b9c8d",
  verifyToken: "assent-verify-token",
};
const now = new Date("2025-06-18T10:00:00Z");
const clock = () => now;

/** A `messages` change carrying these (possibly malformed) messages, for the INVALID_PAYLOAD cases. */
function messagesWebhook(...messages: unknown[]): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "1",
        changes: [
          {
            field: "messages",
            value: { messaging_product: "whatsapp", metadata: { phone_number_id: "1" }, messages },
          },
        ],
      },
    ],
  });
}

function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
}

describe("whatsapp-cloud adapter", () => {
  let server: TFakeWhatsAppServer;
  const adapter = (overrides: Partial<typeof credentials> = {}) =>
    createAdapter("whatsapp-cloud", { ...credentials, ...overrides }, { baseUrl: server.url, clock });

  beforeAll(async () => {
    server = await startFakeWhatsAppServer({
      accessToken: credentials.accessToken,
      phoneNumberId: credentials.phoneNumberId,
    });
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  describe("send", () => {
    it("posts a text message with Bearer auth and returns the wamid", async () => {
      const result = await adapter().send({
        messageId: "msg_1",
        to: "+16505551234",
        body: "Your order shipped",
      });

      expect(server.requests).toHaveLength(1);
      const request = server.requests[0]!;
      expect(request.method).toBe("POST");
      expect(request.path).toBe("/v23.0/106540352242922/messages");
      expect(request.headers.authorization).toBe("Bearer EAAG-test-access-token");
      expect(request.contentType).toBe("application/json");
      expect(JSON.parse(request.rawBody.toString("utf8"))).toEqual({
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: "16505551234",
        biz_opaque_callback_data: "msg_1",
        type: "text",
        text: { preview_url: false, body: "Your order shipped" },
      });
      expect(result).toEqual({
        providerMessageId: server.accepted[0]!.wamid,
        acceptedAt: now,
        recipientAddress: "16505551234",
      });
      expect(result.providerMessageId).toMatch(/^wamid\./);
    });

    it("uses the configured API version", async () => {
      const fake = await startFakeWhatsAppServer({ ...credentials, apiVersion: "v21.0" });
      try {
        const sender = createAdapter(
          "whatsapp-cloud",
          { ...credentials, apiVersion: "v21.0" },
          { baseUrl: fake.url },
        );
        await sender.send({ messageId: "msg_v", to: "16505551234", body: "hi" });
        expect(fake.requests[0]?.path).toBe("/v21.0/106540352242922/messages");
      } finally {
        await fake.close();
      }
    });

    it("sends to a BSUID and reports the user id", async () => {
      const result = await adapter().send({
        messageId: "msg_2",
        to: "US13491208655302741918",
        body: "Hello",
      });
      expect(server.accepted[0]?.request.to).toBe("US13491208655302741918");
      expect(result.recipientUserId).toBe("US13491208655302741918");
    });

    it("sends an image by link with the body as caption", async () => {
      await adapter().send({
        messageId: "msg_3",
        to: "16505551234",
        body: "Your receipt",
        media: [{ url: "https://cdn.example.com/r.png", contentType: "image/png" }],
      });
      expect(server.accepted[0]?.request).toMatchObject({
        type: "image",
        image: { link: "https://cdn.example.com/r.png", caption: "Your receipt" },
      });
    });

    it.each([
      ["application/pdf", "https://cdn.example.com/invoice.pdf", "document"],
      ["video/mp4", "https://cdn.example.com/v", "video"],
      [undefined, "https://cdn.example.com/clip.mp4", "video"],
      [undefined, "https://cdn.example.com/file.bin", "document"],
    ])("picks the media type from %s / %s", async (contentType, url, type) => {
      await adapter().send({
        messageId: "msg_m",
        to: "16505551234",
        media: [{ url, ...(contentType ? { contentType } : {}) }],
      });
      expect(server.accepted[0]?.request.type).toBe(type);
    });

    it("sends audio without a caption and refuses audio with one", async () => {
      await adapter().send({
        messageId: "msg_a",
        to: "16505551234",
        media: [{ url: "https://cdn.example.com/a.ogg" }],
      });
      expect(server.accepted[0]?.request).toMatchObject({
        type: "audio",
        audio: { link: "https://cdn.example.com/a.ogg" },
      });
      const error = await catchChannelError(() =>
        adapter().send({
          messageId: "msg_b",
          to: "16505551234",
          body: "listen",
          media: [{ url: "https://cdn.example.com/a.ogg" }],
        }),
      );
      expect(error.code).toBe("INVALID_PAYLOAD");
    });

    it("sends a template with language policy and components", async () => {
      const components = [
        { type: "body", parameters: [{ type: "text", text: "Ada" }] },
        {
          type: "button",
          sub_type: "quick_reply",
          index: "0",
          parameters: [{ type: "payload", payload: "STOP_PROMOTIONS" }],
        },
      ];
      await adapter().send({
        messageId: "msg_t",
        to: "16505551234",
        template: { name: "order_update", language: "en_US", components },
      });
      expect(server.accepted[0]?.request).toEqual({
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: "16505551234",
        biz_opaque_callback_data: "msg_t",
        type: "template",
        template: { name: "order_update", language: { code: "en_US", policy: "deterministic" }, components },
      });
    });

    it.each([
      [
        "more than one media item",
        { media: [{ url: "https://a.example/1.png" }, { url: "https://a.example/2.png" }] },
      ],
      ["a text over 4096 characters", { body: "x".repeat(4097) }],
      ["no content at all", {}],
      ["a non-http media URL", { media: [{ url: "ftp://a.example/1.png" }] }],
    ])("refuses %s without calling the provider", async (_label, content) => {
      const error = await catchChannelError(() =>
        adapter().send({ messageId: "msg_x", to: "16505551234", ...content }),
      );
      expect(error.code).toBe("INVALID_PAYLOAD");
      expect(error.retryable).toBe(false);
      expect(server.requests).toHaveLength(0);
    });

    it.each([
      [130429, "RATE_LIMITED", true],
      [131056, "RATE_LIMITED", true],
      [131047, "OUTSIDE_WINDOW", false],
      [131050, "RECIPIENT_OPTED_OUT", false],
      [131026, "INVALID_RECIPIENT", false],
      [190, "AUTH_FAILED", false],
      [132000, "TEMPLATE_REJECTED", false],
      [132001, "TEMPLATE_REJECTED", false],
      [131000, "UNAVAILABLE", true],
      [100, "REJECTED", false],
    ] as const)("maps Graph error %i to %s", async (code, expected, retryable) => {
      server.failFor("16505551234", code, 1);
      const error = await catchChannelError(() =>
        adapter().send({ messageId: "msg_e", to: "16505551234", body: "hi" }),
      );
      expect(error.code).toBe(expected);
      expect(error.retryable).toBe(retryable);
      expect(error.providerCode).toBe(String(code));
      expect(error.providerStatus).toBeGreaterThanOrEqual(400);
    });

    it("hints the pair-rate wait for 131056", async () => {
      server.failFor("16505551234", 131056, 1);
      const error = await catchChannelError(() =>
        adapter().send({ messageId: "msg_p", to: "16505551234", body: "hi" }),
      );
      expect(error.retryAfterMs).toBe(6000);
      expect(error.recipientScoped).toBe(true);
    });

    it("maps a 503 without a Graph body to UNAVAILABLE (retryable)", async () => {
      server.failFor("16505551234", { status: 503, body: "Service Unavailable" }, 1);
      const error = await catchChannelError(() =>
        adapter().send({ messageId: "msg_u", to: "16505551234", body: "hi" }),
      );
      expect(error).toMatchObject({ code: "UNAVAILABLE", retryable: true, providerStatus: 503 });
    });

    it("maps a wrong token to AUTH_FAILED (the fake checks the Bearer header)", async () => {
      const error = await catchChannelError(() =>
        adapter({ accessToken: "wrong" }).send({ messageId: "msg_w", to: "16505551234", body: "hi" }),
      );
      expect(error).toMatchObject({
        code: "AUTH_FAILED",
        retryable: false,
        providerCode: "190",
        providerStatus: 401,
      });
    });

    it("keeps recipient numbers out of error messages", async () => {
      server.failFor("16505551234", {
        status: 400,
        body: {
          error: {
            code: 131026,
            message: "Message undeliverable to +1 650 555 1234",
            type: "OAuthException",
          },
        },
      });
      const error = await catchChannelError(() =>
        adapter().send({ messageId: "msg_r", to: "16505551234", body: "hi" }),
      );
      expect(error.message).not.toMatch(/650|5551234/);
      expect(error.code).toBe("INVALID_RECIPIENT");
    });

    it("treats a 2xx it cannot read as UNAVAILABLE but not retryable", async () => {
      server.failFor("16505551234", { status: 200, body: { unexpected: true } }, 1);
      const error = await catchChannelError(() =>
        adapter().send({ messageId: "msg_2xx", to: "16505551234", body: "hi" }),
      );
      expect(error).toMatchObject({ code: "UNAVAILABLE", retryable: false });
    });

    it("turns a refused connection into UNAVAILABLE (retryable)", async () => {
      const closed = await startFakeWhatsAppServer({ accessToken: "t", phoneNumberId: "1" });
      const url = closed.url;
      await closed.close();
      const sender = createAdapter("whatsapp-cloud", credentials, { baseUrl: url });
      const error = await catchChannelError(() =>
        sender.send({ messageId: "msg_n", to: "16505551234", body: "hi" }),
      );
      expect(error).toMatchObject({ code: "UNAVAILABLE", retryable: true });
    });

    it("times out a hanging provider as UNAVAILABLE", async () => {
      const hanging: typeof fetch = (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        });
      const sender = createAdapter("whatsapp-cloud", credentials, { fetch: hanging, timeoutMs: 30 });
      const error = await catchChannelError(() =>
        sender.send({ messageId: "msg_h", to: "16505551234", body: "hi" }),
      );
      expect(error.code).toBe("UNAVAILABLE");
      expect(error.message).toMatch(/timed out/);
    });

    it("is not idempotent", () => {
      expect(adapter().idempotentSends).toBe(false);
      expect(adapter().channel).toBe("whatsapp");
    });
  });

  describe("verifyWebhook", () => {
    const body = fixture("text-message.json");
    const url = "https://assent.example/webhooks/whatsapp";
    const verify = (rawBody: Buffer, headers: Record<string, string | string[] | undefined>) =>
      adapter().verifyWebhook({ rawBody, headers, url });

    it("accepts a valid signature over the raw bytes", () => {
      expect(verify(body, { "x-hub-signature-256": signMetaWebhook(credentials.appSecret, body) })).toBe(
        true,
      );
    });

    it("finds the header case-insensitively and accepts uppercase hex", () => {
      const signature = signMetaWebhook(credentials.appSecret, body);
      expect(verify(body, { "X-Hub-Signature-256": `sha256=${signature.slice(7).toUpperCase()}` })).toBe(
        true,
      );
    });

    it("rejects one flipped byte in the body", () => {
      const signature = signMetaWebhook(credentials.appSecret, body);
      const tampered = Buffer.from(body);
      tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0x01;
      expect(verify(tampered, { "x-hub-signature-256": signature })).toBe(false);
    });

    it("rejects one flipped character in the signature", () => {
      const signature = signMetaWebhook(credentials.appSecret, body);
      const last = signature.at(-1) === "0" ? "1" : "0";
      expect(verify(body, { "x-hub-signature-256": signature.slice(0, -1) + last })).toBe(false);
    });

    it.each([
      ["missing", {}],
      ["empty", { "x-hub-signature-256": "" }],
      ["without the sha256= prefix", { "x-hub-signature-256": "0".repeat(64) }],
      ["sha1 instead", { "x-hub-signature-256": `sha1=${"0".repeat(40)}` }],
      ["sent twice", { "x-hub-signature-256": ["sha256=aa", "sha256=bb"] }],
    ])("rejects a header that is %s", (_label, headers) => {
      expect(verify(body, headers)).toBe(false);
    });

    it("rejects a signature made with another secret", () => {
      expect(verify(body, { "x-hub-signature-256": signMetaWebhook("another-secret", body) })).toBe(false);
    });

    it("checks the escaped-unicode bytes Meta signed, not a re-serialisation", () => {
      const raw = fixture("unicode-escaped.json");
      expect(raw.toString("utf8")).toContain("\\u00e4");
      const signature = signMetaWebhook(credentials.appSecret, raw);
      expect(verify(raw, { "x-hub-signature-256": signature })).toBe(true);

      const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString("utf8"))), "utf8");
      expect(reserialised.toString("utf8")).toContain("Käthe");
      expect(reserialised.equals(raw)).toBe(false);
      expect(verify(reserialised, { "x-hub-signature-256": signature })).toBe(false);
      // The parsed content is the same either way.
      expect(adapter().parseWebhook({ rawBody: raw, contentType: "application/json" })).toEqual(
        adapter().parseWebhook({ rawBody: reserialised, contentType: "application/json" }),
      );
    });
  });

  describe("verifyHandshake", () => {
    it("echoes the challenge for subscribe + our token", () => {
      expect(
        adapter().verifyHandshake?.({
          "hub.mode": "subscribe",
          "hub.verify_token": "assent-verify-token",
          "hub.challenge": "1158201444",
        }),
      ).toEqual({ ok: true, challenge: "1158201444" });
    });

    it.each([
      [{ "hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1" }],
      [{ "hub.mode": "unsubscribe", "hub.verify_token": "assent-verify-token", "hub.challenge": "1" }],
      [{ "hub.mode": "subscribe", "hub.challenge": "1" }],
      [{ "hub.mode": "subscribe", "hub.verify_token": "assent-verify-token" }],
      [{}],
    ])("refuses %o", (query) => {
      expect(adapter().verifyHandshake?.(query)).toEqual({ ok: false });
    });
  });

  describe("parseWebhook", () => {
    const parse = (name: string) =>
      adapter().parseWebhook({ rawBody: fixture(name), contentType: "application/json" });

    it("parses an inbound text message", () => {
      expect(parse("text-message.json")).toEqual([
        {
          kind: "inbound_message",
          dedupeKey: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
          providerMessageId: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
          from: "16505551234",
          to: "106540352242922",
          accountAddress: "106540352242922",
          body: "Does it come in another color?",
          receivedAt: new Date(1749416383 * 1000),
          profileName: "Sheena Nelson",
        },
      ]);
    });

    it("exposes a 'Stop promotions' quick-reply tap as body + buttonPayload", () => {
      const [event] = parse("button-stop-promotions.json");
      expect(event).toMatchObject({
        kind: "inbound_message",
        from: "16505551234",
        body: "Stop promotions",
        buttonPayload: "STOP_PROMOTIONS",
        replyToProviderMessageId: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA",
      });
    });

    it("parses sent/delivered/read/failed statuses with error codes and our reference", () => {
      const events = parse("statuses.json");
      expect(events.map((e) => (e.kind === "status" ? e.status : e.kind))).toEqual([
        "sent",
        "delivered",
        "read",
        "failed",
      ]);
      expect(events[0]).toEqual({
        kind: "status",
        dedupeKey: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA:sent",
        providerMessageId: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA",
        status: "sent",
        accountAddress: "106540352242922",
        at: new Date(1750263773 * 1000),
        recipient: "16505551234",
        clientReference: "msg_01JY0Q4M3S0R5T6V7W8X9Y0Z1A",
      });
      expect(events[3]).toMatchObject({
        kind: "status",
        status: "failed",
        errorCode: "131050",
        errorMessage: expect.stringContaining("stop receiving marketing messages"),
      });
      // Each status of one message has its own dedupe key.
      expect(new Set(events.map((e) => e.dedupeKey)).size).toBe(4);
    });

    it("turns user_preferences into preference events, BSUID when wa_id is empty", () => {
      expect(parse("user-preferences.json")).toEqual([
        {
          kind: "preference",
          dedupeKey: "preference:16505551234:stop:1731705721",
          from: "16505551234",
          category: "marketing",
          value: "stop",
          at: new Date(1731705721 * 1000),
          accountAddress: "106540352242922",
        },
        {
          kind: "preference",
          dedupeKey: "preference:US13491208655302741918:resume:1731705800",
          from: "US13491208655302741918",
          fromUserId: "US13491208655302741918",
          category: "marketing",
          value: "resume",
          at: new Date(1731705800 * 1000),
          accountAddress: "106540352242922",
        },
      ]);
    });

    it("uses the BSUID when wa_id/from/recipient_id are empty", () => {
      const [message, status] = parse("bsuid-message.json");
      expect(message).toMatchObject({
        kind: "inbound_message",
        from: "US13491208655302741918",
        fromUserId: "US13491208655302741918",
        profileName: "Pablo Morales",
        body: "Hi, I saw your offer",
      });
      expect(status).toMatchObject({
        kind: "status",
        status: "delivered",
        recipient: "US13491208655302741918",
      });
    });

    describe("a person named by number and BSUID at once", () => {
      const userId = "US13491208655302741918";
      /** A `messages` (or `user_preferences`) change with these parts, parsed. */
      const parseValue = (field: string, value: Record<string, unknown>) =>
        adapter().parseWebhook({
          rawBody: Buffer.from(
            JSON.stringify({
              object: "whatsapp_business_account",
              entry: [
                {
                  id: "102290129340398",
                  changes: [
                    {
                      field,
                      value: {
                        messaging_product: "whatsapp",
                        metadata: { phone_number_id: credentials.phoneNumberId },
                        ...value,
                      },
                    },
                  ],
                },
              ],
            }),
          ),
          contentType: "application/json",
        });
      const status = (o: Record<string, unknown>) => ({
        id: "wamid.both",
        status: "sent",
        timestamp: "1750263773",
        ...o,
      });

      it("keeps both recipient names of a status", () => {
        const [event] = parseValue("messages", {
          statuses: [status({ recipient_id: "16505551234", recipient_user_id: userId })],
        });
        expect(event).toMatchObject({ kind: "status", recipient: "16505551234", recipientUserId: userId });
      });

      it("names one when the other is empty or absent (no link)", () => {
        const events = parseValue("messages", {
          statuses: [
            status({ recipient_id: "", recipient_user_id: userId }),
            status({ id: "wamid.2", recipient_id: "16505551234", recipient_user_id: "" }),
            status({ id: "wamid.3", recipient_id: "16505551234" }),
            status({ id: "wamid.4", recipient_user_id: userId }),
            status({ id: "wamid.5", recipient_id: "", recipient_user_id: "" }),
          ],
        });
        expect(events.map((e) => (e.kind === "status" ? [e.recipient, e.recipientUserId] : []))).toEqual([
          [userId, userId],
          ["16505551234", undefined],
          ["16505551234", undefined],
          [userId, userId],
          [undefined, undefined],
        ]);
      });

      it("completes a status's missing name from the contacts block entry naming the other, by id only", () => {
        const events = parseValue("messages", {
          contacts: [
            { wa_id: "16505551234", user_id: userId },
            { wa_id: "16505559999", user_id: "US99" },
          ],
          statuses: [
            status({ recipient_id: "16505551234" }),
            status({ id: "wamid.2", recipient_id: "", recipient_user_id: "US99" }),
            status({ id: "wamid.3", recipient_id: "16505550000" }),
          ],
        });
        expect(events.map((e) => (e.kind === "status" ? [e.recipient, e.recipientUserId] : []))).toEqual([
          ["16505551234", userId],
          ["16505559999", "US99"],
          ["16505550000", undefined],
        ]);
      });

      it("takes the number of a message hidden in it from its contact entry with the same user id", () => {
        const message = {
          from: "",
          from_user_id: userId,
          id: "wamid.m",
          timestamp: "1750090800",
          type: "text",
          text: { body: "STOP" },
        };
        const [same] = parseValue("messages", {
          contacts: [{ wa_id: "16505551234", user_id: userId }],
          messages: [message],
        });
        expect(same).toMatchObject({ kind: "inbound_message", from: "16505551234", fromUserId: userId });
        // The only contact entry, about another user id: its number is not this sender's.
        const [other] = parseValue("messages", {
          contacts: [{ wa_id: "16505551234", user_id: "US99" }],
          messages: [message],
        });
        expect(other).toMatchObject({ kind: "inbound_message", from: userId, fromUserId: userId });
      });

      it("keeps both names of a user preference, completed from the contacts block, with the item's dedupe key", () => {
        const preference = (o: Record<string, unknown>) => ({
          detail: "User requested to stop marketing messages",
          category: "marketing_messages",
          value: "stop",
          timestamp: "1731705721",
          ...o,
        });
        const events = parseValue("user_preferences", {
          contacts: [{ wa_id: "16505551234", user_id: userId }],
          user_preferences: [
            preference({ wa_id: "16505551234", user_id: userId }),
            preference({ wa_id: "", user_id: userId, timestamp: "1731705722" }),
            preference({ wa_id: "16505551234", timestamp: "1731705723" }),
            preference({ wa_id: "16505557777", user_id: "", timestamp: "1731705724" }),
          ],
        });
        expect(
          events.map((e) => (e.kind === "preference" ? [e.from, e.fromUserId, e.dedupeKey] : [])),
        ).toEqual([
          ["16505551234", userId, "preference:16505551234:stop:1731705721"],
          ["16505551234", userId, `preference:${userId}:stop:1731705722`],
          ["16505551234", userId, "preference:16505551234:stop:1731705723"],
          ["16505557777", undefined, "preference:16505557777:stop:1731705724"],
        ]);
      });
    });

    it("uses from_user_id when from is absent altogether", () => {
      const body = fixture("bsuid-message.json").toString("utf8").replace('"from": "",', "");
      expect(body).not.toContain('"from": ""');
      const [message] = adapter().parseWebhook({
        rawBody: Buffer.from(body),
        contentType: "application/json",
      });
      expect(message).toMatchObject({ kind: "inbound_message", from: "US13491208655302741918" });
    });

    it("parses media, interactive replies, and passes unknown types through as raw", () => {
      const [image, location, interactive] = parse("media-and-other.json");
      expect(image).toMatchObject({
        body: "Here is the receipt",
        media: [
          {
            url: `${server.url}/v23.0/1003383421387256`,
            providerMediaId: "1003383421387256",
            contentType: "image/jpeg",
          },
        ],
      });
      expect(image).not.toHaveProperty("raw");
      expect(location).toMatchObject({
        body: "",
        raw: { type: "location", location: { latitude: 37.483307 } },
      });
      expect(interactive).toMatchObject({ body: "Unsubscribe", buttonPayload: "unsubscribe" });
    });

    it("decodes escaped unicode", () => {
      const [event] = parse("unicode-escaped.json");
      expect(event).toMatchObject({
        body: "Grüße! Bitte keine Werbung mehr 🙏",
        profileName: "Käthe Müller",
      });
    });

    it("tags every event with the phone_number_id of its own change, in a body mixing numbers", () => {
      const value = (phoneNumberId: string, rest: Record<string, unknown>) => ({
        messaging_product: "whatsapp",
        metadata: { phone_number_id: phoneNumberId },
        ...rest,
      });
      const body = Buffer.from(
        JSON.stringify({
          object: "whatsapp_business_account",
          entry: [
            {
              id: "1",
              changes: [
                {
                  field: "messages",
                  value: value("111", {
                    messages: [
                      {
                        from: "33600000001",
                        id: "w.a",
                        timestamp: "1750000000",
                        type: "text",
                        text: { body: "x" },
                      },
                    ],
                  }),
                },
              ],
            },
            {
              id: "1",
              changes: [
                {
                  field: "messages",
                  value: value("222", {
                    statuses: [
                      { id: "w.b", status: "failed", timestamp: "1750000000", errors: [{ code: 131050 }] },
                    ],
                  }),
                },
                {
                  field: "user_preferences",
                  value: value("222", {
                    user_preferences: [
                      {
                        wa_id: "33600000003",
                        category: "marketing_messages",
                        value: "stop",
                        timestamp: "1750000000",
                      },
                    ],
                  }),
                },
                {
                  // A preference change without metadata names no number: it carries no tag.
                  field: "user_preferences",
                  value: {
                    user_preferences: [
                      {
                        wa_id: "33600000004",
                        category: "marketing_messages",
                        value: "stop",
                        timestamp: "1750000000",
                      },
                    ],
                  },
                },
              ],
            },
          ],
        }),
      );
      const events = adapter().parseWebhook({ rawBody: body, contentType: "application/json" });
      expect(events.map((e) => [e.kind, e.accountAddress])).toEqual([
        ["inbound_message", "111"],
        ["status", "222"],
        ["preference", "222"],
        ["preference", undefined],
      ]);
      expect(events[3]).not.toHaveProperty("accountAddress");
    });

    it("replaces a timestamp past tomorrow or before 2000 by the time of receipt", () => {
      const text = (id: string, timestamp: string) => ({
        from: "1",
        id,
        timestamp,
        type: "text",
        text: { body: "x" },
      });
      const inAnHour = String(now.getTime() / 1000 + 3600);
      const events = adapter().parseWebhook({
        rawBody: Buffer.from(
          messagesWebhook(
            text("w1", "999999999999"),
            text("w2", "946684799"),
            text("w3", "0"),
            text("w4", inAnHour),
            text("w5", "1750000000"),
          ),
        ),
        contentType: "application/json",
      });
      expect(events.map((e) => (e.kind === "inbound_message" ? e.receivedAt : undefined))).toEqual([
        now,
        now,
        now,
        new Date(now.getTime() + 3_600_000),
        new Date(1750000000 * 1000),
      ]);
      const statusBody = Buffer.from(
        JSON.stringify({
          object: "whatsapp_business_account",
          entry: [
            {
              id: "1",
              changes: [
                {
                  field: "messages",
                  value: {
                    messaging_product: "whatsapp",
                    metadata: { phone_number_id: "1" },
                    statuses: [{ id: "w6", status: "read", timestamp: "999999999999" }],
                  },
                },
                {
                  field: "user_preferences",
                  value: {
                    user_preferences: [
                      {
                        wa_id: "1",
                        category: "marketing_messages",
                        value: "stop",
                        timestamp: "999999999999",
                      },
                    ],
                  },
                },
              ],
            },
          ],
        }),
      );
      const [status, preference] = adapter().parseWebhook({
        rawBody: statusBody,
        contentType: "application/json",
      });
      expect(status).toMatchObject({ kind: "status", at: now });
      // The dedupe key keeps the provider's own value: a retry of the same delivery is the same event.
      expect(preference).toMatchObject({
        kind: "preference",
        at: now,
        dedupeKey: "preference:1:stop:999999999999",
      });
    });

    it("ignores fields that are not messaging events", () => {
      const body = Buffer.from(
        JSON.stringify({
          object: "whatsapp_business_account",
          entry: [
            { id: "1", changes: [{ field: "message_template_status_update", value: { event: "APPROVED" } }] },
          ],
        }),
      );
      expect(adapter().parseWebhook({ rawBody: body, contentType: "application/json" })).toEqual([]);
    });

    it.each([
      ["not JSON", "{not json"],
      ["another object", JSON.stringify({ object: "instagram", entry: [] })],
      [
        "a message without id",
        messagesWebhook({ from: "1", timestamp: "1", type: "text", text: { body: "x" } }),
      ],
      ["a text message without text", messagesWebhook({ from: "1", id: "w", timestamp: "1", type: "text" })],
      [
        "a message without any sender id",
        messagesWebhook({ from: "", id: "w", timestamp: "1", type: "text", text: { body: "x" } }),
      ],
    ])("throws INVALID_PAYLOAD for %s", async (_label, text) => {
      const error = await catchChannelError(() =>
        adapter().parseWebhook({ rawBody: Buffer.from(text), contentType: "application/json" }),
      );
      expect(error.code).toBe("INVALID_PAYLOAD");
    });
  });

  describe("status webhooks from the fake server", () => {
    it("posts signed sent/delivered webhooks, and failed with 131050 for an opted-out user", async () => {
      const received: { body: Buffer; signature: string | undefined }[] = [];
      const receiver = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          const signature = request.headers["x-hub-signature-256"];
          received.push({
            body: Buffer.concat(chunks),
            signature: typeof signature === "string" ? signature : undefined,
          });
          response.end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
      const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/wa`;
      const fake = await startFakeWhatsAppServer({
        ...credentials,
        webhook: { url: webhookUrl, appSecret: credentials.appSecret },
      });
      try {
        const sender = createAdapter("whatsapp-cloud", credentials, { baseUrl: fake.url });
        fake.failAsyncFor("4915112345678", 131050);
        const ok = await sender.send({ messageId: "msg_ok", to: "16505551234", body: "hi" });
        const optedOut = await sender.send({
          messageId: "msg_oo",
          to: "4915112345678",
          template: { name: "promo", language: "de" },
        });
        await fake.callbacks.flush();

        const events: TNormalizedEvent[] = [];
        for (const delivery of received) {
          const headers = { "x-hub-signature-256": delivery.signature };
          expect(sender.verifyWebhook({ rawBody: delivery.body, headers, url: webhookUrl })).toBe(true);
          events.push(...sender.parseWebhook({ rawBody: delivery.body, contentType: "application/json" }));
        }
        expect(events).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              providerMessageId: ok.providerMessageId,
              status: "sent",
              clientReference: "msg_ok",
            }),
            expect.objectContaining({ providerMessageId: ok.providerMessageId, status: "delivered" }),
            expect.objectContaining({
              providerMessageId: optedOut.providerMessageId,
              status: "failed",
              errorCode: "131050",
              clientReference: "msg_oo",
            }),
          ]),
        );
      } finally {
        await fake.close();
        await new Promise((resolve) => receiver.close(resolve));
      }
    });
  });
});
