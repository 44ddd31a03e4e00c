import { createServer, type Server } from "node:http";
import { createRequire, syncBuiltinESMExports } from "node:module";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../../test/server.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
} from "../testing/messaging-fixture.js";
import { deliverTwilioCallbacks } from "./deliver-twilio-callbacks.js";

/** A name that resolves to a public address when it is checked, and to loopback when it is connected to. */
const REBINDING_HOST = "rebind.attacker.example";

let s: TTestServer;
let f: TMessagingFixture;
let receiver: Server;
let port: number;
const hits: string[] = [];

beforeAll(async () => {
  // StatusCallbacks to private targets refused, as in production.
  s = await messagingTestServer({ privateCallbacks: false });
  f = await messagingFixture(s);
  await f.sender({ providerId: "sandbox", address: "+15005550006" });
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      hits.push(req.url ?? "");
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((r) => receiver.close(() => r()));
  await s.close();
});

type TLookupCallback = (error: Error | null, address: unknown, family?: number) => void;

/**
 * Run `fn` while REBINDING_HOST resolves to 93.184.216.34 for `dns/promises` (what URL checks use) and to
 * 127.0.0.1 for `dns.lookup` (what a connection uses): a DNS rebinding between check and connect.
 */
async function whileRebinding<T>(fn: () => Promise<T>): Promise<T> {
  const require = createRequire(import.meta.url);
  const dns: typeof import("node:dns") = require("node:dns");
  const dnsPromises: typeof import("node:dns/promises") = require("node:dns/promises");
  const lookup = dns.lookup;
  const promisesLookup = dnsPromises.lookup;
  Object.assign(dnsPromises, {
    lookup: (host: string, options: unknown) =>
      host === REBINDING_HOST
        ? Promise.resolve([{ address: "93.184.216.34", family: 4 }])
        : Reflect.apply(promisesLookup, dnsPromises, [host, options]),
  });
  Object.assign(dns, {
    lookup: (host: string, options: unknown, callback?: TLookupCallback) => {
      if (host !== REBINDING_HOST) return Reflect.apply(lookup, dns, [host, options, callback]);
      const done = typeof options === "function" ? (options as TLookupCallback) : callback;
      const all = typeof options === "object" && options !== null && "all" in options && options.all === true;
      if (all) done?.(null, [{ address: "127.0.0.1", family: 4 }]);
      else done?.(null, "127.0.0.1", 4);
    },
  });
  syncBuiltinESMExports();
  try {
    return await fn();
  } finally {
    Object.assign(dns, { lookup });
    Object.assign(dnsPromises, { lookup: promisesLookup });
    syncBuiltinESMExports();
  }
}

describe("Twilio StatusCallback delivery", () => {
  it("checks the address it connects to: a name rebound to loopback after the check gets nothing", async () => {
    const c = await f.contact("sandbox", "+14155550801");
    await f.grant(c.contactId);
    const url = `http://${REBINDING_HOST}:${port}/internal-admin`;
    await whileRebinding(async () => {
      const accepted = await s.app.inject({
        method: "POST",
        url: `/2010-04-01/Accounts/${f.ws.accountSid}/Messages.json`,
        headers: {
          authorization: `Basic ${Buffer.from(`${f.ws.accountSid}:${f.ws.apiKey}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        payload: new URLSearchParams({
          To: "+14155550801",
          From: "+15005550006",
          Body: "x",
          StatusCallback: url,
        }).toString(),
      });
      expect(accepted.statusCode).toBe(201);
      // An opt-out suppresses the queued message: its callback (failed, 21610) is due at once.
      await f.optOut(c.contactId);
      expect(await deliverTwilioCallbacks(s.ctx, { allowPrivateUrls: false })).toBe(0);
      expect(hits).toEqual([]);
      const stored = await f.rows<{ last_error: string | null }>(
        sql`select c.last_error from twilio_status_callbacks c join messages m on m.id = c.message_id
          where m.twilio_sid = ${accepted.json().sid}`,
      );
      expect(stored).toEqual([
        { last_error: "refused: the host resolves to a private, loopback or link-local address" },
      ]);
      // The name does lead to the receiver: allowed private targets, the retry is delivered there.
      await f.rows(
        sql`update twilio_status_callbacks set next_attempt_at = now() where url = ${url} returning id`,
      );
      expect(await deliverTwilioCallbacks(s.ctx, { allowPrivateUrls: true })).toBe(1);
      expect(hits).toEqual(["/internal-admin"]);
    });
  });
});
