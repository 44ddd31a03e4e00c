import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import twilio from "twilio";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TNormalizedEvent } from "../channel-adapter.js";
import { createAdapter } from "../registry.js";
import {
  catchChannelError,
  startFakeTwilioServer,
  type TFakeTwilioServer,
  twilioFormBody,
} from "../testing/index.js";
import { computeTwilioSignature, verifyTwilioSignature } from "./twilio.signature.js";

const accountSid = "AC0123456789abcdef0123456789abcdef";
const authToken = "12345678901234567890123456789012";
const credentials = { accountSid, authToken, from: "+15017250604" };
const serviceSid = "MG9752274e9e519418a7406176694466fa";
const now = new Date("2025-06-18T10:00:00Z");

function fixtureParams(name: string): Record<string, string> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as Record<
    string,
    string
  >;
}

function formOf(params: Record<string, string | string[]>): Buffer {
  return Buffer.from(twilioFormBody(params), "utf8");
}

describe("twilio adapter", () => {
  let server: TFakeTwilioServer;
  const adapter = (overrides: Record<string, unknown> = {}) =>
    createAdapter("twilio", { ...credentials, ...overrides }, { baseUrl: server.url, clock: () => now });

  beforeAll(async () => {
    server = await startFakeTwilioServer({ accountSid, authToken });
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  describe("send", () => {
    it("posts a form with Basic auth and returns the SM sid and segments", async () => {
      const result = await adapter().send({
        messageId: "msg_1",
        to: "+15558675310",
        body: "Your code is 123456",
        statusCallbackUrl: "https://assent.example/webhooks/twilio/status?msg=msg_1",
      });
      const request = server.requests[0]!;
      expect(request.method).toBe("POST");
      expect(request.path).toBe(`/2010-04-01/Accounts/${accountSid}/Messages.json`);
      expect(request.headers.authorization).toBe(
        `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`,
      );
      expect(request.contentType).toBe("application/x-www-form-urlencoded");
      expect(Object.fromEntries(new URLSearchParams(request.rawBody.toString("utf8")))).toEqual({
        To: "+15558675310",
        From: "+15017250604",
        Body: "Your code is 123456",
        StatusCallback: "https://assent.example/webhooks/twilio/status?msg=msg_1",
      });
      expect(result).toEqual({ providerMessageId: server.accepted[0]!.sid, acceptedAt: now, segments: 1 });
      expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    });

    it("repeats MediaUrl for several media", async () => {
      await adapter().send({
        messageId: "msg_2",
        to: "+15558675310",
        media: [{ url: "https://cdn.example.com/a.jpg" }, { url: "https://cdn.example.com/b.jpg" }],
      });
      const raw = server.requests[0]!.rawBody.toString("utf8");
      expect(raw).toContain(
        "MediaUrl=https%3A%2F%2Fcdn.example.com%2Fa.jpg&MediaUrl=https%3A%2F%2Fcdn.example.com%2Fb.jpg",
      );
      expect(server.accepted[0]?.params.MediaUrl).toEqual([
        "https://cdn.example.com/a.jpg",
        "https://cdn.example.com/b.jpg",
      ]);
      expect(server.accepted[0]?.sid).toMatch(/^MM/);
    });

    it("uses the Messaging Service when there is no sender, and counts segments itself", async () => {
      const sender = createAdapter(
        "twilio",
        { accountSid, authToken, messagingServiceSid: serviceSid },
        { baseUrl: server.url },
      );
      const result = await sender.send({ messageId: "msg_3", to: "+15558675310", body: "a".repeat(161) });
      expect(server.accepted[0]?.params).toMatchObject({ MessagingServiceSid: serviceSid });
      expect(server.accepted[0]?.params).not.toHaveProperty("From");
      // Twilio reports num_segments "0" for service sends, so the adapter's own count is used.
      expect(result.segments).toBe(2);
    });

    it("lets the message choose its sender over the service", async () => {
      const sender = createAdapter(
        "twilio",
        { accountSid, authToken, messagingServiceSid: serviceSid },
        { baseUrl: server.url },
      );
      await sender.send({ messageId: "msg_4", to: "+15558675310", from: "+15017250699", body: "hi" });
      expect(server.accepted[0]?.params).toMatchObject({ From: "+15017250699" });
      expect(server.accepted[0]?.params).not.toHaveProperty("MessagingServiceSid");
    });

    it("authenticates with an API key when given", async () => {
      const apiKey = { sid: "SK0123456789abcdef0123456789abcdef", secret: "api-key-secret" };
      const fake = await startFakeTwilioServer({ accountSid, authToken: "other", apiKey });
      try {
        const sender = createAdapter(
          "twilio",
          { ...credentials, apiKeySid: apiKey.sid, apiKeySecret: apiKey.secret },
          { baseUrl: fake.url },
        );
        await sender.send({ messageId: "msg_k", to: "+15558675310", body: "hi" });
        expect(fake.requests[0]?.headers.authorization).toBe(
          `Basic ${Buffer.from(`${apiKey.sid}:${apiKey.secret}`).toString("base64")}`,
        );
      } finally {
        await fake.close();
      }
    });

    it("sends Content API templates as ContentSid + ContentVariables", async () => {
      await adapter().send({
        messageId: "msg_5",
        to: "whatsapp:+15558675310",
        template: { name: "HXb5b62575e6e4ff6129ad7c8efe1f983e", language: "en", variables: { "1": "Ada" } },
      });
      expect(server.accepted[0]?.params).toMatchObject({
        ContentSid: "HXb5b62575e6e4ff6129ad7c8efe1f983e",
        ContentVariables: '{"1":"Ada"}',
      });
    });

    it.each([
      ["a template that is not a Content SID", { template: { name: "order_update", language: "en" } }],
      ["a body over 1600 characters", { body: "x".repeat(1601) }],
      [
        "11 media items",
        { media: Array.from({ length: 11 }, (_, i) => ({ url: `https://cdn.example.com/${i}.jpg` })) },
      ],
    ])("refuses %s locally", async (_label, content) => {
      const error = await catchChannelError(() =>
        adapter().send({ messageId: "msg_x", to: "+15558675310", ...content }),
      );
      expect(error.code).toBe("INVALID_PAYLOAD");
      expect(server.requests).toHaveLength(0);
    });

    it.each([
      [21610, "RECIPIENT_OPTED_OUT", false],
      [21614, "INVALID_RECIPIENT", false],
      [21211, "INVALID_RECIPIENT", false],
      [63016, "OUTSIDE_WINDOW", false],
      [21611, "RATE_LIMITED", true],
      [21408, "REJECTED", false],
    ] as const)("maps Twilio error %i to %s", async (code, expected, retryable) => {
      server.failFor("+15558675310", code, 1);
      const error = await catchChannelError(() =>
        adapter().send({ messageId: "msg_e", to: "+15558675310", body: "hi" }),
      );
      expect(error).toMatchObject({ code: expected, retryable, providerCode: String(code) });
    });

    it("gets 21211 from the fake for a malformed number, without leaking it", async () => {
      const error = await catchChannelError(() =>
        adapter().send({ messageId: "msg_bad", to: "5558675310", body: "hi" }),
      );
      expect(error).toMatchObject({ code: "INVALID_RECIPIENT", providerCode: "21211", providerStatus: 400 });
      expect(error.message).not.toContain("5558675310");
    });

    it("maps a wrong auth token to AUTH_FAILED (20003)", async () => {
      const error = await catchChannelError(() =>
        adapter({ authToken: "wrong" }).send({ messageId: "msg_w", to: "+15558675310", body: "hi" }),
      );
      expect(error).toMatchObject({
        code: "AUTH_FAILED",
        providerCode: "20003",
        providerStatus: 401,
        retryable: false,
      });
    });

    it("maps 429/20429 to RATE_LIMITED with Retry-After", async () => {
      server.failFor("+15558675310", 20429, 1);
      const error = await catchChannelError(() =>
        adapter().send({ messageId: "msg_r", to: "+15558675310", body: "hi" }),
      );
      expect(error).toMatchObject({
        code: "RATE_LIMITED",
        retryable: true,
        providerStatus: 429,
        retryAfterMs: 2000,
      });
    });

    it("maps a bare 429 and a 503 by status", async () => {
      server.failFor("+15558675310", { status: 429, body: "" }, 1);
      const limited = await catchChannelError(() =>
        adapter().send({ messageId: "m", to: "+15558675310", body: "hi" }),
      );
      expect(limited).toMatchObject({ code: "RATE_LIMITED", retryable: true });
      server.failFor(
        "+15558675310",
        { status: 503, body: { code: 20500, message: "Internal Server Error" } },
        1,
      );
      const down = await catchChannelError(() =>
        adapter().send({ messageId: "m", to: "+15558675310", body: "hi" }),
      );
      expect(down).toMatchObject({ code: "UNAVAILABLE", retryable: true, providerStatus: 503 });
    });

    it("is not idempotent and serves the sms channel", () => {
      expect(adapter()).toMatchObject({ providerId: "twilio", channel: "sms", idempotentSends: false });
    });
  });

  describe("fake server fidelity", () => {
    it("answers the official twilio client pointed at it", async () => {
      const client = twilio(accountSid, authToken);
      client.api.baseUrl = server.url;
      const message = await client.messages.create({
        to: "+15558675310",
        from: "+15017250604",
        body: "via the SDK €",
        mediaUrl: ["https://cdn.example.com/a.jpg", "https://cdn.example.com/b.jpg"],
      });
      expect(message.sid).toBe(server.accepted[0]?.sid);
      expect(message.numSegments).toBe("1");
      expect(server.accepted[0]?.params).toMatchObject({
        Body: "via the SDK €",
        MediaUrl: ["https://cdn.example.com/a.jpg", "https://cdn.example.com/b.jpg"],
      });
      server.failFor("+15558675311", 21610, 1);
      await expect(
        client.messages.create({ to: "+15558675311", from: "+15017250604", body: "x" }),
      ).rejects.toMatchObject({
        code: 21610,
        status: 400,
      });
    });
  });

  describe("X-Twilio-Signature", () => {
    const url = "https://assent.example/webhooks/twilio/inbound?account=acc_1";
    const params = fixtureParams("inbound-sms.json");
    const rawBody = formOf(params);

    it("accepts the signature the twilio package computes, and twilio accepts ours", () => {
      const signature = twilio.getExpectedTwilioSignature(authToken, url, params);
      expect(computeTwilioSignature(authToken, url, params)).toBe(signature);
      expect(adapter().verifyWebhook({ rawBody, headers: { "x-twilio-signature": signature }, url })).toBe(
        true,
      );
      expect(
        twilio.validateRequest(authToken, computeTwilioSignature(authToken, url, params), url, params),
      ).toBe(true);
    });

    it("agrees with twilio.validateRequest on the port variants", () => {
      const signature = twilio.getExpectedTwilioSignature(authToken, url, params);
      const withPort = "https://assent.example:443/webhooks/twilio/inbound?account=acc_1";
      expect(twilio.validateRequest(authToken, signature, withPort, params)).toBe(true);
      expect(
        adapter().verifyWebhook({ rawBody, headers: { "X-Twilio-Signature": signature }, url: withPort }),
      ).toBe(true);
      const signedWithPort = twilio.getExpectedTwilioSignature(authToken, withPort, params);
      expect(
        adapter().verifyWebhook({ rawBody, headers: { "x-twilio-signature": signedWithPort }, url }),
      ).toBe(true);
    });

    it("handles repeated keys like twilio (deduplicated, sorted)", () => {
      const repeated = {
        ...params,
        MediaUrl: ["https://b.example/2", "https://a.example/1", "https://b.example/2"],
      };
      const signature = twilio.getExpectedTwilioSignature(authToken, url, repeated);
      expect(
        adapter().verifyWebhook({
          rawBody: formOf(repeated),
          headers: { "x-twilio-signature": signature },
          url,
        }),
      ).toBe(true);
    });

    it("rejects a flipped body byte, a flipped signature char, another URL, and a missing header", () => {
      const signature = twilio.getExpectedTwilioSignature(authToken, url, params);
      const tampered = Buffer.from(rawBody);
      const index = tampered.indexOf("Hello");
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      const verify = (body: Buffer, headers: Record<string, string>, at = url) =>
        adapter().verifyWebhook({ rawBody: body, headers, url: at });
      expect(verify(tampered, { "x-twilio-signature": signature })).toBe(false);
      const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
      expect(verify(rawBody, { "x-twilio-signature": flipped })).toBe(false);
      expect(verify(rawBody, { "x-twilio-signature": signature }, url.replace("acc_1", "acc_2"))).toBe(false);
      expect(verify(rawBody, {})).toBe(false);
      expect(verify(rawBody, { "x-twilio-signature": "" })).toBe(false);
    });

    it("verifies JSON bodies through bodySHA256, like twilio.validateRequestWithBody", () => {
      const json = '{"MessageSid":"SM1f0e8ae6ade43cb3c0ce4525424e404f","Body":"Grüße"}';
      const hashed = `https://assent.example/webhooks/twilio/json?bodySHA256=${twilio.getExpectedBodyHash(json)}`;
      const signature = twilio.getExpectedTwilioSignature(authToken, hashed, {});
      expect(twilio.validateRequestWithBody(authToken, signature, hashed, json)).toBe(true);
      const input = {
        rawBody: Buffer.from(json, "utf8"),
        headers: { "x-twilio-signature": signature },
        url: hashed,
      };
      expect(verifyTwilioSignature(authToken, input)).toBe(true);
      const changed = json.replace("Grüße", "Grüsse");
      expect(twilio.validateRequestWithBody(authToken, signature, hashed, changed)).toBe(false);
      expect(verifyTwilioSignature(authToken, { ...input, rawBody: Buffer.from(changed, "utf8") })).toBe(
        false,
      );
    });

    it("matches twilio's signature for arbitrary params and URLs (property)", () => {
      const key = fc.string({ minLength: 1, maxLength: 12 });
      const value = fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.array(fc.string({ maxLength: 10 }), { minLength: 1, maxLength: 3 }),
      );
      fc.assert(
        fc.property(
          fc.dictionary(key, value, { maxKeys: 8 }),
          fc.webPath(),
          fc.webQueryParameters(),
          (dictionary, path, query) => {
            const target = `https://assent.example${path}${query === "" ? "" : `?${query}`}`;
            // Round-trip through the form body so both sides see what a server would parse.
            const body = formOf(dictionary);
            const parsed: Record<string, string | string[]> = {};
            for (const [k, v] of new URLSearchParams(body.toString("utf8"))) {
              const existing = parsed[k];
              parsed[k] =
                existing === undefined ? v : Array.isArray(existing) ? [...existing, v] : [existing, v];
            }
            const expected = twilio.getExpectedTwilioSignature(authToken, target, parsed);
            expect(computeTwilioSignature(authToken, target, parsed)).toBe(expected);
            expect(
              verifyTwilioSignature(authToken, {
                rawBody: body,
                headers: { "x-twilio-signature": expected },
                url: target,
              }),
            ).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe("parseWebhook", () => {
    const parse = (params: Record<string, string>, contentType = "application/x-www-form-urlencoded") =>
      adapter().parseWebhook({ rawBody: formOf(params), contentType });

    it("parses an inbound SMS", () => {
      expect(parse(fixtureParams("inbound-sms.json"))).toEqual([
        {
          kind: "inbound_message",
          dedupeKey: "SM1f0e8ae6ade43cb3c0ce4525424e404f",
          providerMessageId: "SM1f0e8ae6ade43cb3c0ce4525424e404f",
          from: "+15558675310",
          to: "+15017250604",
          body: "Hello! Is the store open on Sunday?",
          receivedAt: now,
        },
      ]);
    });

    it("parses MMS media in order", () => {
      const [event] = parse(fixtureParams("inbound-mms.json"));
      expect(event).toMatchObject({
        media: [
          { url: expect.stringMatching(/Media\/ME1a2b/), contentType: "image/jpeg" },
          { url: expect.stringMatching(/Media\/ME9f8e/), contentType: "application/pdf" },
        ],
      });
    });

    it("passes Advanced Opt-Out's OptOutType through", () => {
      const [event] = parse(fixtureParams("inbound-stop-advanced-opt-out.json"));
      expect(event).toMatchObject({ kind: "inbound_message", body: "Stop", providerOptOutType: "STOP" });
    });

    it("parses delivered and undelivered status callbacks", () => {
      expect(parse(fixtureParams("status-delivered.json"))).toEqual([
        {
          kind: "status",
          dedupeKey: "SM5e8f2a1b3c4d5e6f7a8b9c0d1e2f3a4b:delivered",
          providerMessageId: "SM5e8f2a1b3c4d5e6f7a8b9c0d1e2f3a4b",
          status: "delivered",
          at: now,
          recipient: "+15558675310",
        },
      ]);
      expect(parse(fixtureParams("status-undelivered.json"))).toEqual([
        expect.objectContaining({ status: "undelivered", errorCode: "30003" }),
      ]);
    });

    it("names our message from the StatusCallback URL's `m`, and only a well-formed message id", () => {
      const id = "msg_01jy0q4m3s0r5t6v7w8x9y0z1a";
      const at = (url: string | undefined) =>
        adapter().parseWebhook({
          rawBody: formOf(fixtureParams("status-delivered.json")),
          contentType: "application/x-www-form-urlencoded",
          url,
        })[0];
      expect(at(`https://assent.example/webhooks/cha_1?m=${id}`)).toMatchObject({ clientReference: id });
      expect(at(`https://assent.example/webhooks/cha_1?x=1&m=${id}`)).toMatchObject({ clientReference: id });
      for (const url of [
        undefined,
        "https://assent.example/webhooks/cha_1",
        "https://assent.example/webhooks/cha_1?m=",
        "https://assent.example/webhooks/cha_1?m=ctc_01jy0q4m3s0r5t6v7w8x9y0z1a",
        "https://assent.example/webhooks/cha_1?m=msg_1'--",
      ])
        expect(at(url), String(url)).not.toHaveProperty("clientReference");
      // Inbound messages never carry it.
      const inbound = adapter().parseWebhook({
        rawBody: formOf(fixtureParams("inbound-sms.json")),
        contentType: "application/x-www-form-urlencoded",
        url: `https://assent.example/webhooks/cha_1?m=${id}`,
      })[0];
      expect(inbound).not.toHaveProperty("clientReference");
    });

    it("ignores intermediate statuses", () => {
      expect(parse(fixtureParams("status-queued.json"))).toEqual([]);
    });

    it("accepts legacy SmsSid/SmsStatus-only callbacks", () => {
      expect(parse({ SmsSid: "SM5e8f2a1b3c4d5e6f7a8b9c0d1e2f3a4b", SmsStatus: "sent" })).toEqual([
        expect.objectContaining({ providerMessageId: "SM5e8f2a1b3c4d5e6f7a8b9c0d1e2f3a4b", status: "sent" }),
      ]);
    });

    it.each([
      ["a JSON content type", fixtureParams("inbound-sms.json"), "application/json"],
      ["neither message nor status", { AccountSid: accountSid }, "application/x-www-form-urlencoded"],
      [
        "a missing media URL",
        { ...fixtureParams("inbound-mms.json"), MediaUrl1: "" },
        "application/x-www-form-urlencoded",
      ],
      [
        "an inbound without From",
        { MessageSid: "SM1", To: "+1", Body: "x" },
        "application/x-www-form-urlencoded",
      ],
    ])("throws INVALID_PAYLOAD for %s", async (_label, params, contentType) => {
      const error = await catchChannelError(() => parse(params, contentType));
      expect(error.code).toBe("INVALID_PAYLOAD");
    });
  });

  describe("status callbacks from the fake server", () => {
    it("posts signed callbacks the adapter verifies and parses", async () => {
      const received: { body: Buffer; signature: string; url: string }[] = [];
      const receiver = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          received.push({
            body: Buffer.concat(chunks),
            signature: String(request.headers["x-twilio-signature"]),
            url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${request.url}`,
          });
          response.end("<Response/>");
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
      const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/twilio/status?ref=msg_1`;
      try {
        server.failAsyncFor("+15558675311", "30007");
        const sender = adapter();
        const delivered = await sender.send({
          messageId: "msg_1",
          to: "+15558675310",
          body: "hi",
          statusCallbackUrl: callbackUrl,
        });
        const filtered = await sender.send({
          messageId: "msg_2",
          to: "+15558675311",
          body: "hi",
          statusCallbackUrl: callbackUrl,
        });
        await server.callbacks.flush();
        const events: TNormalizedEvent[] = [];
        for (const item of received) {
          expect(
            sender.verifyWebhook({
              rawBody: item.body,
              headers: { "x-twilio-signature": item.signature },
              url: item.url,
            }),
          ).toBe(true);
          events.push(
            ...sender.parseWebhook({ rawBody: item.body, contentType: "application/x-www-form-urlencoded" }),
          );
        }
        const summary = events.map((e) =>
          e.kind === "status" ? [e.providerMessageId, e.status, e.errorCode] : [],
        );
        expect(summary).toEqual(
          expect.arrayContaining([
            [delivered.providerMessageId, "sent", undefined],
            [delivered.providerMessageId, "delivered", undefined],
            [filtered.providerMessageId, "undelivered", "30007"],
          ]),
        );
      } finally {
        await new Promise((resolve) => receiver.close(resolve));
      }
    });
  });
});
