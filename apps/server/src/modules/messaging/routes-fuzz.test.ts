import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../test/server.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
} from "./testing/messaging-fixture.js";

let s: TTestServer;
let f: TMessagingFixture;
let basic: string;
beforeAll(async () => {
  s = await messagingTestServer();
  f = await messagingFixture(s);
  await f.sender();
  basic = `Basic ${Buffer.from(`${f.ws.accountSid}:${f.ws.apiKey}`).toString("base64")}`;
});
afterAll(async () => s.close());

const segment = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom(
    "msg_00000000000000000000000000",
    "chn_00000000000000000000000000",
    "%00",
    "..",
    "SM",
    "x".repeat(300),
  ),
);

describe("messaging routes under random input", () => {
  it("GET and DELETE with random ids and queries never answer 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        segment,
        fc.dictionary(
          fc.constantFrom("status", "brandId", "contactId", "channel", "limit", "cursor", "x"),
          fc.oneof(fc.string({ maxLength: 40 }), fc.integer().map(String)),
        ),
        async (id, query) => {
          const qs = new URLSearchParams(query).toString();
          const path = encodeURIComponent(id);
          const requests = [
            { method: "GET" as const, url: `/v1/messages/${path}`, headers: f.auth },
            { method: "GET" as const, url: `/v1/messages?${qs}`, headers: f.auth },
            { method: "GET" as const, url: `/v1/channel-accounts/${path}`, headers: f.auth },
            { method: "GET" as const, url: `/v1/channel-accounts?${qs}`, headers: f.auth },
            { method: "DELETE" as const, url: `/v1/channel-accounts/${path}`, headers: f.auth },
            {
              method: "GET" as const,
              url: `/2010-04-01/Accounts/${f.ws.accountSid}/Messages/${path}.json`,
              headers: { authorization: basic },
            },
            {
              method: "GET" as const,
              url: `/2010-04-01/Accounts/${path}/Messages/${path}.json`,
              headers: { authorization: basic },
            },
            {
              method: "POST" as const,
              url: `/2010-04-01/Accounts/${path}/Messages.json`,
              headers: { authorization: basic },
            },
          ];
          for (const r of requests) {
            const answer = await s.app.inject(r);
            expect(answer.statusCode, `${r.method} ${r.url}`).toBeLessThan(500);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("random Basic credentials and headers on the Twilio-compatible endpoint are 401, never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.string({ maxLength: 60 }),
        async (authorization, token) => {
          const r = await s.app.inject({
            method: "POST",
            url: `/2010-04-01/Accounts/${f.ws.accountSid}/Messages.json`,
            headers: {
              authorization: `Basic ${Buffer.from(authorization).toString("base64")}`,
              "i-twilio-idempotency-token": token,
              "content-type": "application/x-www-form-urlencoded",
            },
            payload: "To=%2B14155550100&Body=x",
          });
          expect(r.statusCode).toBe(401);
          expect(r.json()).toMatchObject({ code: 20003, status: 401 });
        },
      ),
      { numRuns: 40 },
    );
  });
  it("an id no id could be (a NUL, a quote) is a 400 naming its field, before any SQL, and nothing is stored", async () => {
    const before = await f.count();
    const send = { to: "+447700900123", channel: "sandbox", brandId: f.brandId, body: "Hi" };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...send, to: undefined, contactId: "ctc_\u0000x" }, "contactId"],
      [{ ...send, campaignId: "cmp_\u0000" }, "campaignId"],
      [{ ...send, brandId: "brd'x" }, "brandId"],
      [{ ...send, channelAccountId: "chn_\u0000" }, "channelAccountId"],
    ];
    for (const [payload, field] of cases) {
      const r = await f.send(payload);
      expect(r.statusCode, field).toBe(400);
      expect(r.json().error).toMatchObject({ code: "validation_failed", field });
    }
    for (const [url, field] of [
      ["/v1/messages/msg_%00x", "id"],
      ["/v1/messages?contactId=ctc_%00", "contactId"],
      ["/v1/messages?brandId=brd%27", "brandId"],
      ["/v1/channel-accounts/chn_%00", "id"],
    ] as const) {
      const r = await s.app.inject({ method: "GET", url, headers: f.auth });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().error).toMatchObject({ code: "validation_failed", field });
    }
    expect(await f.count()).toBe(before);
  });
});
