import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAdapter } from "../registry.js";
import {
  catchChannelError,
  signMetaWebhook,
  startFakeInstagramServer,
  type TFakeInstagramServer,
} from "../testing/index.js";

const credentials = {
  igId: "17841405793187218",
  accessToken: "IGQVJ-test-token",
  appSecret: "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
  verifyToken: "ig-verify",
};
const now = new Date("2025-06-18T10:00:00Z");
const igsid = "1527918224048523";

function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
}

describe("instagram adapter", () => {
  let server: TFakeInstagramServer;
  const adapter = (overrides: Partial<typeof credentials> = {}) =>
    createAdapter("instagram", { ...credentials, ...overrides }, { baseUrl: server.url, clock: () => now });

  beforeAll(async () => {
    server = await startFakeInstagramServer({ accessToken: credentials.accessToken, igId: credentials.igId });
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  describe("send", () => {
    it("posts recipient + text with Bearer auth and returns the mid", async () => {
      const result = await adapter().send({ messageId: "msg_1", to: igsid, body: "Yes, still available" });
      const request = server.requests[0]!;
      expect(request.method).toBe("POST");
      expect(request.path).toBe("/v23.0/17841405793187218/messages");
      expect(request.headers.authorization).toBe("Bearer IGQVJ-test-token");
      expect(request.contentType).toBe("application/json");
      expect(JSON.parse(request.rawBody.toString("utf8"))).toEqual({
        recipient: { id: igsid },
        message: { text: "Yes, still available" },
      });
      expect(result).toEqual({ providerMessageId: server.accepted[0]!.messageId, acceptedAt: now });
    });

    it("adds the HUMAN_AGENT tag when asked", async () => {
      await adapter().send({ messageId: "msg_2", to: igsid, body: "An agent here", humanAgentTag: true });
      expect(server.accepted[0]?.request).toEqual({
        recipient: { id: igsid },
        message: { text: "An agent here" },
        messaging_type: "MESSAGE_TAG",
        tag: "HUMAN_AGENT",
      });
    });

    it("sends one attachment by URL", async () => {
      await adapter().send({
        messageId: "msg_3",
        to: igsid,
        media: [{ url: "https://cdn.example.com/p.jpg" }],
      });
      expect(server.accepted[0]?.request.message).toEqual({
        attachment: { type: "image", payload: { url: "https://cdn.example.com/p.jpg" } },
      });
    });

    it.each([
      ["text with an attachment", { body: "look", media: [{ url: "https://cdn.example.com/p.jpg" }] }],
      [
        "two attachments",
        { media: [{ url: "https://a.example/1.jpg" }, { url: "https://a.example/2.jpg" }] },
      ],
      ["a template", { template: { name: "x", language: "en" } }],
      ["text over 1000 characters", { body: "x".repeat(1001) }],
    ])("refuses %s locally", async (_label, content) => {
      const error = await catchChannelError(() => adapter().send({ messageId: "m", to: igsid, ...content }));
      expect(error.code).toBe("INVALID_PAYLOAD");
      expect(server.requests).toHaveLength(0);
    });

    it.each([
      [{ code: 10, subcode: 2018278 }, "OUTSIDE_WINDOW", false],
      [{ code: 100, subcode: 2018001 }, "INVALID_RECIPIENT", false],
      [{ code: 551 }, "RECIPIENT_BLOCKED", false],
      [{ code: 613 }, "RATE_LIMITED", true],
      [{ code: 190 }, "AUTH_FAILED", false],
      [{ code: 100 }, "REJECTED", false],
    ] as const)("maps Graph error %o to %s", async (failure, expected, retryable) => {
      server.failFor(igsid, failure, 1);
      const error = await catchChannelError(() => adapter().send({ messageId: "m", to: igsid, body: "hi" }));
      expect(error).toMatchObject({ code: expected, retryable, providerCode: String(failure.code) });
    });

    it("maps a wrong token to AUTH_FAILED", async () => {
      const error = await catchChannelError(() =>
        adapter({ accessToken: "x" }).send({ messageId: "m", to: igsid, body: "hi" }),
      );
      expect(error).toMatchObject({ code: "AUTH_FAILED", providerStatus: 401 });
    });
  });

  describe("verifyWebhook and handshake", () => {
    const rawBody = fixture("text-message.json");
    const url = "https://assent.example/webhooks/instagram";

    it("uses X-Hub-Signature-256 like WhatsApp", () => {
      const signature = signMetaWebhook(credentials.appSecret, rawBody);
      expect(adapter().verifyWebhook({ rawBody, headers: { "x-hub-signature-256": signature }, url })).toBe(
        true,
      );
      const tampered = Buffer.from(rawBody);
      tampered[20] = (tampered[20] ?? 0) ^ 0x01;
      expect(
        adapter().verifyWebhook({ rawBody: tampered, headers: { "x-hub-signature-256": signature }, url }),
      ).toBe(false);
      expect(adapter().verifyWebhook({ rawBody, headers: {}, url })).toBe(false);
    });

    it("answers the GET handshake", () => {
      const query = { "hub.mode": "subscribe", "hub.verify_token": "ig-verify", "hub.challenge": "abc" };
      expect(adapter().verifyHandshake?.(query)).toEqual({ ok: true, challenge: "abc" });
      expect(adapter().verifyHandshake?.({ ...query, "hub.verify_token": "ig-verifx" })).toEqual({
        ok: false,
      });
    });
  });

  describe("parseWebhook", () => {
    const parse = (name: string) =>
      adapter().parseWebhook({ rawBody: fixture(name), contentType: "application/json" });

    it("parses a text message", () => {
      expect(parse("text-message.json")).toEqual([
        {
          kind: "inbound_message",
          dedupeKey: expect.stringMatching(/^aWdfZAG1/),
          providerMessageId: expect.stringMatching(/^aWdfZAG1/),
          from: igsid,
          to: "17841405793187218",
          accountAddress: "17841405793187218",
          body: "Hi, is this still available?",
          receivedAt: new Date(1569262485349),
        },
      ]);
    });

    it("skips echoes and exposes quick-reply payloads", () => {
      expect(parse("echo-and-quick-reply.json")).toEqual([
        expect.objectContaining({
          providerMessageId: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjquickreply",
          body: "Stop updates",
          buttonPayload: "OPT_OUT_UPDATES",
        }),
      ]);
    });

    it("parses attachments", () => {
      const [event] = parse("attachments.json");
      expect(event).toMatchObject({
        body: "",
        media: [{ url: expect.stringContaining("lookaside.fbsbx.com"), contentType: "image/*" }],
      });
    });

    it("turns postbacks into messages and seen receipts into read statuses", () => {
      expect(parse("postback-and-read.json")).toEqual([
        expect.objectContaining({
          kind: "inbound_message",
          body: "Talk to a human",
          buttonPayload: "HUMAN_HANDOFF",
        }),
        {
          kind: "status",
          dedupeKey: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjechoed:read",
          providerMessageId: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjechoed",
          status: "read",
          at: new Date(1569262506000),
          recipient: igsid,
          accountAddress: "17841405793187218",
        },
      ]);
    });

    it("tags every event with its own entry's id, in a body mixing accounts", () => {
      const item = (recipient: string, mid: string, timestamp: number) => ({
        sender: { id: igsid },
        recipient: { id: recipient },
        timestamp,
        message: { mid, text: "hi" },
      });
      const body = Buffer.from(
        JSON.stringify({
          object: "instagram",
          entry: [
            { id: "111", time: 1, messaging: [item("111", "m.a", 1750000000000)] },
            {
              id: 222,
              time: 1,
              messaging: [
                item("222", "m.b", 1750000000000),
                {
                  sender: { id: igsid },
                  recipient: { id: "222" },
                  timestamp: 1750000000000,
                  read: { mid: "m.c" },
                },
              ],
            },
          ],
        }),
      );
      const events = adapter().parseWebhook({ rawBody: body, contentType: "application/json" });
      expect(events.map((e) => [e.kind, e.accountAddress])).toEqual([
        ["inbound_message", "111"],
        ["inbound_message", "222"],
        ["status", "222"],
      ]);
    });

    it("replaces a timestamp past tomorrow or before 2000 by the time of receipt", () => {
      const item = (mid: string, timestamp: number) => ({
        sender: { id: igsid },
        recipient: { id: credentials.igId },
        timestamp,
        message: { mid, text: "hi" },
      });
      const body = Buffer.from(
        JSON.stringify({
          object: "instagram",
          entry: [
            {
              id: credentials.igId,
              messaging: [
                item("m.1", 99_999_999_999_999),
                item("m.2", 946_684_799_999),
                item("m.3", 1_569_262_485_349),
                {
                  sender: { id: igsid },
                  recipient: { id: credentials.igId },
                  timestamp: 1e14,
                  read: { mid: "m.4" },
                },
              ],
            },
          ],
        }),
      );
      const events = adapter().parseWebhook({ rawBody: body, contentType: "application/json" });
      expect(
        events.map((e) =>
          e.kind === "inbound_message" ? e.receivedAt : e.kind === "status" ? e.at : undefined,
        ),
      ).toEqual([now, now, new Date(1_569_262_485_349), now]);
    });

    it.each([
      [
        "a WhatsApp body",
        fixture("text-message.json").toString("utf8").replace('"instagram"', '"whatsapp_business_account"'),
      ],
      [
        "a message without mid",
        JSON.stringify({
          object: "instagram",
          entry: [
            {
              id: "1",
              messaging: [
                { sender: { id: "1" }, recipient: { id: "2" }, timestamp: 1, message: { text: "x" } },
              ],
            },
          ],
        }),
      ],
      ["empty", ""],
    ])("throws INVALID_PAYLOAD for %s", async (_label, text) => {
      const error = await catchChannelError(() =>
        adapter().parseWebhook({ rawBody: Buffer.from(text), contentType: "application/json" }),
      );
      expect(error.code).toBe("INVALID_PAYLOAD");
    });
  });
});
