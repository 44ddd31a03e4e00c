import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { bearer } from "../../../test/server.js";
import {
  count,
  footprint,
  postWebhook,
  signedSandbox,
  type TInboundServer,
  type TInboundWorld,
} from "./testing/inbound-fixture.js";

let s: TInboundServer;
let w: TInboundWorld;

const contentTypes = fc.oneof(
  fc.constantFrom(
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "text/xml",
    "application/octet-stream",
    "multipart/form-data; boundary=x",
    "",
  ),
  fc.string({ maxLength: 40 }),
);
const bodies = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.json({ maxDepth: 3 }),
  fc
    .dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 }))
    .map((d) => new URLSearchParams(d).toString()),
);
const hex64 = fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 });
const signatureHeaders = fc.record(
  {
    "x-hub-signature-256": fc.oneof(
      fc.string({ maxLength: 80 }),
      hex64.map((h) => `sha256=${h}`),
    ),
    "x-twilio-signature": fc.base64String({ maxLength: 40 }),
    "x-telegram-bot-api-secret-token": fc.string({ maxLength: 30 }),
    "x-assent-signature": fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.tuple(fc.nat(), hex64).map(([t, h]) => `t=${t},v1=${h}`),
    ),
  },
  { requiredKeys: [] },
);
const printable = (v: string) => v.replace(/[^\x20-\x7e]/g, "");

/** Registered by inbound.test.ts, which owns the server (one database for all suites). */
export function fuzzSuite(server: () => TInboundServer): void {
  describe("fuzz", () => {
    beforeAll(async () => {
      s = server();
      w = await s.world("Fuzz");
    });
    describe("random and malformed input at every inbound route", () => {
      it("unsigned or wrongly signed webhooks: never a 5xx, never a row", async () => {
        const before = await footprint(s);
        const accounts = [
          ...Object.values(w.senders).map((x) => x.id),
          "chn_00000000000000000000000000",
          "x".repeat(300),
          "%00",
          "..%2F..",
        ];
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...accounts),
            bodies,
            contentTypes,
            signatureHeaders,
            async (account, body, type, sig) => {
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(sig)) headers[k] = printable(v);
              if (printable(type) !== "") headers["content-type"] = printable(type);
              const r = await postWebhook(
                s.app,
                encodeURIComponent(account).replaceAll("%25", "%"),
                typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body),
                headers,
              );
              expect(r.statusCode, r.body).toBeLessThan(500);
              expect(r.statusCode).toBeGreaterThanOrEqual(400);
            },
          ),
          { numRuns: 100 },
        );
        expect(await footprint(s)).toEqual(before);
      });

      it("signed sandbox webhooks with random events: never a 5xx, and whatever is stored is whole", async () => {
        const secret = w.senders.sandbox.webhookSecret ?? "";
        expect(secret.length).toBeGreaterThan(0);
        const address = fc.oneof(
          fc.string({ minLength: 1, maxLength: 30 }),
          fc.constantFrom("+15550400001", "+33612340099", " ", "\u0000", "+1 (555) 040-0002"),
        );
        const text = fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.constantFrom("STOP", "start", "HELP", "arrêt", "退订", "stop by the store", "\u0000STOP"),
        );
        const event = fc.oneof(
          fc.record({
            type: fc.constant("message"),
            id: fc.string({ minLength: 1, maxLength: 40 }),
            from: address,
            body: text,
          }),
          fc.record({
            type: fc.constant("status"),
            providerMessageId: fc.string({ minLength: 1, maxLength: 40 }),
            status: fc.constantFrom("sent", "delivered", "read", "failed", "undelivered"),
          }),
          fc.record({
            type: fc.constant("preference"),
            from: address,
            value: fc.constantFrom("stop", "resume"),
          }),
          fc.record({ type: fc.constantFrom("blocked", "unblocked"), from: address }),
          fc.json({ maxDepth: 2 }),
        );
        await fc.assert(
          fc.asyncProperty(fc.array(event, { maxLength: 4 }), async (events) => {
            const m = signedSandbox(secret, { events });
            const r = await postWebhook(s.app, w.senders.sandbox.id, m.body, m.headers);
            expect(r.statusCode, r.body).toBeLessThan(500);
          }),
          { numRuns: 40 },
        );
        // Nothing half-written: every stored message has its contact, every action its evidence and reply.
        expect(
          await count(
            s,
            "select count(*) as n from inbound_messages i left join contacts c on c.id = i.contact_id where c.id is null",
          ),
        ).toBe(0);
        expect(
          await count(
            s,
            `select count(*) as n from inbound_messages i where i.action in ('opted_out', 'opted_out_marketing')
          and not exists (select 1 from consent_ledger l where l.id = i.ledger_entry_id and l.kind = 'opt_out')`,
          ),
        ).toBe(0);
        expect(
          await count(
            s,
            `select count(*) as n from inbound_messages i where i.reply_message_id is not null
          and not exists (select 1 from messages m where m.id = i.reply_message_id and m.in_reply_to = i.id)`,
          ),
        ).toBe(0);
        expect(
          await count(
            s,
            `select count(*) as n from messages m where m.source = 'compliance'
          and not exists (select 1 from inbound_messages i where i.id = m.in_reply_to)`,
          ),
        ).toBe(0);
      });

      it("the handshake, the sandbox routes and the settings routes: never a 5xx; refused settings change nothing", async () => {
        const query = fc.dictionary(
          fc.constantFrom("hub.mode", "hub.verify_token", "hub.challenge", "x", "hub.challenge[]"),
          fc.string({ maxLength: 20 }),
        );
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(w.senders.whatsapp.id, w.senders.instagram.id, w.senders.twilio.id, "nope"),
            query,
            async (account, q) => {
              const r = await s.app.inject({ method: "GET", url: `/webhooks/${account}`, query: q });
              expect(r.statusCode).toBeLessThan(500);
            },
          ),
          { numRuns: 40 },
        );
        const settingsBefore = (
          await s.app.inject({
            method: "GET",
            url: `/v1/brands/${w.ws.brandId}/intent-settings`,
            headers: bearer(w.ws.apiKey),
          })
        ).json();
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.json({ maxDepth: 3 }),
              fc.record({
                customKeywords: fc.array(
                  fc.record({ keyword: fc.string({ maxLength: 12 }), intent: fc.string({ maxLength: 12 }) }),
                  { maxLength: 3 },
                ),
                uncertainPolicy: fc.string({ maxLength: 8 }),
              }),
            ),
            async (body) => {
              const r = await s.app.inject({
                method: "PUT",
                url: `/v1/brands/${w.ws.brandId}/intent-settings`,
                headers: { ...bearer(w.ws.apiKey), "content-type": "application/json" },
                payload: typeof body === "string" ? body : JSON.stringify(body),
              });
              expect(r.statusCode, r.body).toBeLessThan(500);
              if (r.statusCode === 200) {
                await s.app.inject({
                  method: "PUT",
                  url: `/v1/brands/${w.ws.brandId}/intent-settings`,
                  headers: bearer(w.ws.apiKey),
                  payload: {},
                });
              } else {
                const now = (
                  await s.app.inject({
                    method: "GET",
                    url: `/v1/brands/${w.ws.brandId}/intent-settings`,
                    headers: bearer(w.ws.apiKey),
                  })
                ).json();
                expect(now).toEqual(settingsBefore);
              }
            },
          ),
          { numRuns: 40 },
        );
        const inboundBefore = await count(s, "select count(*) as n from inbound_messages");
        let created = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.json({ maxDepth: 2 }),
              fc.record(
                {
                  brandId: fc.constantFrom(w.ws.brandId, "brd_x", ""),
                  from: fc.string({ maxLength: 20 }),
                  body: fc.string({ maxLength: 20 }),
                },
                { requiredKeys: [] },
              ),
            ),
            async (body) => {
              const r = await s.app.inject({
                method: "POST",
                url: "/v1/sandbox/inbound",
                headers: { ...bearer(w.ws.apiKey), "content-type": "application/json" },
                payload: typeof body === "string" ? body : JSON.stringify(body),
              });
              expect(r.statusCode, r.body).toBeLessThan(500);
              if (r.statusCode === 201) created += 1;
            },
          ),
          { numRuns: 40 },
        );
        expect(await count(s, "select count(*) as n from inbound_messages")).toBe(inboundBefore + created);
        await fc.assert(
          fc.asyncProperty(
            fc.dictionary(
              fc.constantFrom("to", "limit", "cursor", "status", "brandId", "x"),
              fc.string({ maxLength: 20 }),
            ),
            async (q) => {
              const r = await s.app.inject({
                method: "GET",
                url: "/v1/sandbox/outbox",
                query: q,
                headers: bearer(w.ws.apiKey),
              });
              expect(r.statusCode, r.body).toBeLessThan(500);
            },
          ),
          { numRuns: 40 },
        );
      });
    });
  });
}
