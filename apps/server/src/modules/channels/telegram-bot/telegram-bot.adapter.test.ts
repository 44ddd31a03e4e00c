import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAdapter } from "../registry.js";
import { catchChannelError, startFakeTelegramServer, type TFakeTelegramServer } from "../testing/index.js";

const botToken = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const webhookSecret = "assent_webhook-Secret_42";
const now = new Date("2025-06-18T10:00:00Z");

function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
}

describe("telegram-bot adapter", () => {
  let server: TFakeTelegramServer;
  const adapter = (token = botToken) =>
    createAdapter(
      "telegram-bot",
      { botToken: token, webhookSecret },
      { baseUrl: server.url, clock: () => now },
    );

  beforeAll(async () => {
    server = await startFakeTelegramServer({ botToken });
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  const json = (index = 0) => JSON.parse(server.requests[index]!.rawBody.toString("utf8")) as unknown;

  describe("send", () => {
    it("calls sendMessage with JSON and returns the message id within the chat, without the chat id", async () => {
      const result = await adapter().send({ messageId: "msg_1", to: "1111111", body: "Your table is ready" });
      const request = server.requests[0]!;
      expect(request.method).toBe("POST");
      expect(request.path).toBe(`/bot${botToken}/sendMessage`);
      expect(request.contentType).toBe("application/json");
      expect(json()).toEqual({ chat_id: "1111111", text: "Your table is ready" });
      expect(result).toEqual({ providerMessageId: "1", acceptedAt: now });
    });

    it("keeps 52-bit chat ids exact", async () => {
      const result = await adapter().send({ messageId: "msg_2", to: "4503599627370497", body: "hi" });
      expect(json()).toMatchObject({ chat_id: "4503599627370497" });
      expect(result.providerMessageId).toBe("1");
    });

    it("replies as a business with business_connection_id", async () => {
      await adapter().send({
        messageId: "msg_3",
        to: "2222222",
        body: "Yes, we deliver to Porto",
        businessConnectionId: "AbCdEfGhIjKlMnOp-business",
      });
      expect(json()).toEqual({
        chat_id: "2222222",
        text: "Yes, we deliver to Porto",
        business_connection_id: "AbCdEfGhIjKlMnOp-business",
      });
    });

    it.each([
      ["image/jpeg", "sendPhoto", "photo"],
      ["application/pdf", "sendDocument", "document"],
      ["video/mp4", "sendVideo", "video"],
      ["audio/mpeg", "sendAudio", "audio"],
    ])("sends %s by URL through %s", async (contentType, method, field) => {
      await adapter().send({
        messageId: "msg_m",
        to: "1111111",
        body: "caption text",
        media: [{ url: "https://cdn.example.com/file", contentType }],
      });
      expect(server.requests[0]?.path).toBe(`/bot${botToken}/${method}`);
      expect(json()).toEqual({
        chat_id: "1111111",
        [field]: "https://cdn.example.com/file",
        caption: "caption text",
      });
    });

    it("sends several photos as an album", async () => {
      const result = await adapter().send({
        messageId: "msg_album",
        to: "1111111",
        body: "Our menu",
        media: [{ url: "https://cdn.example.com/1.jpg" }, { url: "https://cdn.example.com/2.mp4" }],
      });
      expect(server.requests[0]?.path).toBe(`/bot${botToken}/sendMediaGroup`);
      expect(json()).toEqual({
        chat_id: "1111111",
        media: [
          { type: "photo", media: "https://cdn.example.com/1.jpg", caption: "Our menu" },
          { type: "video", media: "https://cdn.example.com/2.mp4" },
        ],
      });
      expect(result.providerMessageId).toBe("1");
    });

    it.each([
      ["a template", { template: { name: "x", language: "en" } }],
      ["a text over 4096 characters", { body: "x".repeat(4097) }],
      [
        "documents mixed with photos",
        { media: [{ url: "https://a.example/1.pdf" }, { url: "https://a.example/2.jpg" }] },
      ],
    ])("refuses %s locally", async (_label, content) => {
      const error = await catchChannelError(() =>
        adapter().send({ messageId: "m", to: "1111111", ...content }),
      );
      expect(error.code).toBe("INVALID_PAYLOAD");
      expect(server.requests).toHaveLength(0);
    });

    it.each([
      "Forbidden: bot was blocked by the user",
      "Forbidden: user is deactivated",
      "Forbidden: bot can't initiate conversation with a user",
    ])("maps 403 %j to RECIPIENT_BLOCKED (not retryable)", async (description) => {
      server.blockChat("1111111", description);
      const error = await catchChannelError(() =>
        adapter().send({ messageId: "m", to: "1111111", body: "hi" }),
      );
      expect(error).toMatchObject({
        code: "RECIPIENT_BLOCKED",
        retryable: false,
        providerStatus: 403,
        providerCode: "403",
      });
    });

    it("maps 429 to RATE_LIMITED with retry_after in ms", async () => {
      server.rateLimit("1111111", 7, 1);
      const error = await catchChannelError(() =>
        adapter().send({ messageId: "m", to: "1111111", body: "hi" }),
      );
      expect(error).toMatchObject({
        code: "RATE_LIMITED",
        retryable: true,
        retryAfterMs: 7000,
        providerStatus: 429,
      });
      await expect(adapter().send({ messageId: "m", to: "1111111", body: "hi" })).resolves.toMatchObject({
        providerMessageId: "1",
      });
    });

    it("maps a wrong token (401 Unauthorized) to AUTH_FAILED", async () => {
      const error = await catchChannelError(() =>
        adapter("7000000001:AAAAAAAAAAAAAAAAAAAAAAAAAAAA").send({
          messageId: "m",
          to: "1111111",
          body: "hi",
        }),
      );
      expect(error).toMatchObject({ code: "AUTH_FAILED", providerStatus: 401 });
    });

    it("maps 'chat not found' to INVALID_RECIPIENT and 5xx to UNAVAILABLE", async () => {
      const unknown = await catchChannelError(() =>
        adapter().send({ messageId: "m", to: "not-a-chat", body: "hi" }),
      );
      expect(unknown).toMatchObject({ code: "INVALID_RECIPIENT", providerStatus: 400 });
      server.failFor("1111111", { status: 502, body: "Bad Gateway" }, 1);
      const down = await catchChannelError(() =>
        adapter().send({ messageId: "m", to: "1111111", body: "hi" }),
      );
      expect(down).toMatchObject({ code: "UNAVAILABLE", retryable: true, providerStatus: 502 });
    });

    it("keeps the bot token out of network error messages", async () => {
      const failing: typeof fetch = () =>
        Promise.reject(new TypeError("fetch failed", { cause: { code: "ECONNRESET" } }));
      const sender = createAdapter("telegram-bot", { botToken, webhookSecret }, { fetch: failing });
      const error = await catchChannelError(() => sender.send({ messageId: "m", to: "1111111", body: "hi" }));
      expect(error).toMatchObject({
        code: "UNAVAILABLE",
        retryable: true,
        cause: { name: "TypeError", code: "ECONNRESET" },
      });
      expect(JSON.stringify({ message: error.message, cause: error.cause })).not.toContain("AAHdqTcv");
    });
  });

  describe("verifyWebhook", () => {
    const rawBody = fixture("message.json");
    const verify = (headers: Record<string, string | string[] | undefined>) =>
      adapter().verifyWebhook({ rawBody, headers, url: "https://assent.example/webhooks/telegram/acc_1" });

    it("accepts the secret token header", () => {
      expect(verify({ "x-telegram-bot-api-secret-token": webhookSecret })).toBe(true);
      expect(verify({ "X-Telegram-Bot-Api-Secret-Token": webhookSecret })).toBe(true);
    });

    it.each([
      ["missing", {}],
      ["empty", { "x-telegram-bot-api-secret-token": "" }],
      ["one flipped character", { "x-telegram-bot-api-secret-token": `${webhookSecret.slice(0, -1)}3` }],
      ["a prefix", { "x-telegram-bot-api-secret-token": webhookSecret.slice(0, -1) }],
      ["longer", { "x-telegram-bot-api-secret-token": `${webhookSecret}x` }],
      ["repeated", { "x-telegram-bot-api-secret-token": [webhookSecret, webhookSecret] }],
    ])("rejects a secret that is %s", (_label, headers) => {
      expect(verify(headers)).toBe(false);
    });
  });

  describe("parseWebhook", () => {
    const parse = (name: string) =>
      adapter().parseWebhook({ rawBody: fixture(name), contentType: "application/json" });

    it("parses a private message", () => {
      expect(parse("message.json")).toEqual([
        {
          kind: "inbound_message",
          dedupeKey: "1111111:1365",
          providerMessageId: "1365",
          from: "1111111",
          to: "7000000001",
          body: "/start",
          receivedAt: new Date(1441645532 * 1000),
          profileName: "Test Lastname",
        },
      ]);
    });

    it("keeps a 52-bit chat id exact and takes the largest photo", () => {
      const [event] = parse("message-52-bit-chat.json");
      expect(event).toMatchObject({
        from: "4503599627370497",
        dedupeKey: "4503599627370497:9007",
        providerMessageId: "9007",
        body: "my order",
        media: [
          {
            url: "telegram-file:AgACAgQAAxkBAAIBlarge",
            providerMediaId: "AgACAgQAAxkBAAIBlarge",
            contentType: "image/jpeg",
          },
        ],
      });
    });

    it("parses a business message with its connection id", () => {
      expect(parse("business-message.json")).toEqual([
        expect.objectContaining({
          kind: "inbound_message",
          from: "2222222",
          providerMessageId: "77",
          dedupeKey: "AbCdEfGhIjKlMnOp-business:2222222:77",
          businessConnectionId: "AbCdEfGhIjKlMnOp-business",
          body: "Do you deliver to Porto?",
        }),
      ]);
    });

    it("drops the business's own messages in a customer chat: typed by the owner, or sent by a business bot", () => {
      const business = JSON.parse(fixture("business-message.json").toString("utf8")) as {
        update_id: number;
        business_message: Record<string, unknown>;
      };
      const parseUpdate = (message: Record<string, unknown>) =>
        adapter().parseWebhook({
          rawBody: Buffer.from(
            JSON.stringify({ ...business, business_message: { ...business.business_message, ...message } }),
          ),
          contentType: "application/json",
        });
      const owner = { id: 3333333, is_bot: false, first_name: "Shop owner" };
      expect(parseUpdate({ from: owner, text: "Cancel" })).toEqual([]);
      expect(
        parseUpdate({ sender_business_bot: { id: 7000000001, is_bot: true, first_name: "Shop bot" } }),
      ).toEqual([]);
      expect(parseUpdate({ from: owner, sender_business_bot: { id: 7000000001, is_bot: true } })).toEqual([]);
      // The customer's own message in the same chat is still inbound.
      expect(parseUpdate({ text: "Cancel" })).toMatchObject([
        { kind: "inbound_message", from: "2222222", body: "Cancel" },
      ]);
    });

    it("replaces a date past tomorrow or before 2000 by the time of receipt", () => {
      const message = JSON.parse(fixture("message.json").toString("utf8")) as {
        update_id: number;
        message: Record<string, unknown>;
      };
      const at = (date: number) => {
        const [event] = adapter().parseWebhook({
          rawBody: Buffer.from(JSON.stringify({ ...message, message: { ...message.message, date } })),
          contentType: "application/json",
        });
        return event?.kind === "inbound_message" ? event.receivedAt : undefined;
      };
      expect(at(99_999_999_999)).toEqual(now);
      expect(at(946_684_799)).toEqual(now);
      expect(at(now.getTime() / 1000 + 3600)).toEqual(new Date(now.getTime() + 3_600_000));
      expect(at(1441645532)).toEqual(new Date(1441645532 * 1000));
      const [kicked] = adapter().parseWebhook({
        rawBody: Buffer.from(
          fixture("my-chat-member-kicked.json").toString("utf8").replace("1750000200", "99999999999"),
        ),
        contentType: "application/json",
      });
      expect(kicked).toMatchObject({ kind: "blocked", at: now });
    });

    it("turns my_chat_member kicked/member into blocked/unblocked", () => {
      expect(parse("my-chat-member-kicked.json")).toEqual([
        { kind: "blocked", dedupeKey: "update:10003", from: "1111111", at: new Date(1750000200 * 1000) },
      ]);
      expect(parse("my-chat-member-member.json")).toEqual([
        { kind: "unblocked", dedupeKey: "update:10004", from: "1111111", at: new Date(1750000300 * 1000) },
      ]);
    });

    it("parses business_connection with rights.can_reply", () => {
      expect(parse("business-connection.json")).toEqual([
        {
          kind: "business_connection",
          dedupeKey: "update:10005",
          businessConnectionId: "AbCdEfGhIjKlMnOp-business",
          from: "3333333",
          enabled: true,
          canReply: true,
          at: new Date(1750000400 * 1000),
        },
      ]);
    });

    it("turns an inline button press into a message with buttonPayload", () => {
      expect(parse("callback-query.json")).toEqual([
        {
          kind: "inbound_message",
          dedupeKey: "callback:4382bfdwdsb323b2d9",
          providerMessageId: "callback:4382bfdwdsb323b2d9",
          from: "1111111",
          to: "7000000001",
          body: "optin:weekly",
          buttonPayload: "optin:weekly",
          receivedAt: now,
          replyToProviderMessageId: "1366",
        },
      ]);
    });

    it("ignores edits", () => {
      expect(parse("edited-message.json")).toEqual([]);
    });

    it.each([
      ["not JSON", "]"],
      [
        "no update_id",
        JSON.stringify({ message: { message_id: 1, chat: { id: 1, type: "private" }, date: 1 } }),
      ],
      [
        "a chat id that is a string",
        JSON.stringify({
          update_id: 1,
          message: { message_id: 1, chat: { id: "1", type: "private" }, date: 1 },
        }),
      ],
      [
        "an unsafe integer id",
        '{"update_id":1,"message":{"message_id":1,"chat":{"id":90071992547409930,"type":"private"},"date":1}}',
      ],
    ])("throws INVALID_PAYLOAD for %s", async (_label, text) => {
      const error = await catchChannelError(() =>
        adapter().parseWebhook({ rawBody: Buffer.from(text), contentType: "application/json" }),
      );
      expect(error.code).toBe("INVALID_PAYLOAD");
    });
  });
});
