import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../../test/server.js";
import {
  dispatchUntil,
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
} from "../testing/messaging-fixture.js";

let s: TTestServer;
let f: TMessagingFixture;
let base: string;
/** Sids in the order they were created. */
const created: { sid: string; to: string; from: string }[] = [];

/** Recipients without legal quiet hours: every send is queued whatever the time of day. */
const [ada, bob] = ["+819012345601", "+819012345602"];

beforeAll(async () => {
  s = await messagingTestServer();
  f = await messagingFixture(s, "Twilio list");
  await f.sender({ providerId: "sandbox", address: "+15005550021", name: "first" });
  await f.sender({ providerId: "sandbox", address: "+15005550022", name: "second" });
  await s.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
  for (const to of [ada, bob]) {
    const c = await f.contact("sandbox", to);
    await f.grant(c.contactId);
  }
  // Ada's messages interleaved with Bob's, from two senders.
  const sends: [string, string][] = [
    [ada, "+15005550021"],
    [bob, "+15005550021"],
    [ada, "+15005550022"],
    [bob, "+15005550022"],
    [ada, "+15005550021"],
  ];
  for (const [to, from] of sends) {
    const m = await client().messages.create({ to, from, body: `to ${to}` });
    created.push({ sid: m.sid, to, from });
  }
  // A message sent through /v1/messages has no Twilio resource: it is not listed.
  const api = await f.send({
    to: ada,
    channel: "sandbox",
    brandId: f.brandId,
    category: "transactional",
    body: "x",
  });
  expect(api.statusCode).toBe(202);
});
afterAll(async () => s.close());

function client() {
  const c = twilio(f.ws.accountSid, f.ws.apiKey);
  c.api.baseUrl = base;
  return c;
}

const newestFirst = () => [...created].reverse();

describe("GET /2010-04-01/Accounts/{AccountSid}/Messages.json", () => {
  it("lists with the official client, newest first, following next_page_uri through several pages", async () => {
    const all = await client().messages.list({ pageSize: 2 });
    expect(all.map((m) => m.sid)).toEqual(newestFirst().map((m) => m.sid));
    expect(all[0]).toMatchObject({ to: ada, from: "+15005550021", body: `to ${ada}`, status: "queued" });
    // The client stops at its limit, across pages.
    expect((await client().messages.list({ pageSize: 2, limit: 3 })).map((m) => m.sid)).toEqual(
      newestFirst()
        .slice(0, 3)
        .map((m) => m.sid),
    );
    // One page at a time: a cursor (PageToken) carried by next_page_uri.
    const first = await client().messages.page({ pageSize: 2 });
    expect(first.instances.map((m) => m.sid)).toEqual(
      newestFirst()
        .slice(0, 2)
        .map((m) => m.sid),
    );
    const second = await first.nextPage();
    expect(second?.instances.map((m) => m.sid)).toEqual(
      newestFirst()
        .slice(2, 4)
        .map((m) => m.sid),
    );
    const third = await second?.nextPage();
    expect(third?.instances.map((m) => m.sid)).toEqual([created[0]?.sid]);
    expect(third?.nextPageUrl).toBeUndefined();
  });

  it("answers Twilio's page shape", async () => {
    const r = await fetch(
      `${base}/2010-04-01/Accounts/${f.ws.accountSid}/Messages.json?PageSize=2&To=${encodeURIComponent(ada)}`,
      {
        headers: {
          authorization: `Basic ${Buffer.from(`${f.ws.accountSid}:${f.ws.apiKey}`).toString("base64")}`,
        },
      },
    );
    expect(r.status).toBe(200);
    const page = (await r.json()) as {
      next_page_uri: string | null;
      messages: { sid: string; account_sid: string; to: string; direction: string }[];
    };
    const path = `/2010-04-01/Accounts/${f.ws.accountSid}/Messages.json`;
    const adas = newestFirst().filter((m) => m.to === ada);
    expect(page).toMatchObject({
      page: 0,
      page_size: 2,
      start: 0,
      end: 1,
      uri: `${path}?To=%2B819012345601&PageSize=2&Page=0`,
      first_page_uri: `${path}?To=%2B819012345601&PageSize=2&Page=0`,
      previous_page_uri: null,
    });
    expect(page.next_page_uri).toMatch(
      new RegExp(`^${path}\\?To=%2B819012345601&PageSize=2&Page=1&PageToken=PA`),
    );
    expect(page.messages.map((m) => m.sid)).toEqual(adas.slice(0, 2).map((m) => m.sid));
    expect(page.messages[0]).toMatchObject({
      account_sid: f.ws.accountSid,
      to: ada,
      direction: "outbound-api",
    });
  });

  it("filters by To and From, across pages, as Twilio's list filters do", async () => {
    const toAda = await client().messages.list({ to: "+81 90-1234-5601", pageSize: 2 });
    expect(toAda.map((m) => m.sid)).toEqual(
      newestFirst()
        .filter((m) => m.to === ada)
        .map((m) => m.sid),
    );
    const fromSecond = await client().messages.list({ from: "+15005550022", pageSize: 1 });
    expect(fromSecond.map((m) => m.sid)).toEqual(
      newestFirst()
        .filter((m) => m.from === "+15005550022")
        .map((m) => m.sid),
    );
    expect((await client().messages.list({ to: ada, from: "+15005550022" })).map((m) => m.sid)).toEqual(
      created.filter((m) => m.to === ada && m.from === "+15005550022").map((m) => m.sid),
    );
    // An address or a sender nobody has: nothing.
    expect(await client().messages.list({ to: "+819012345699" })).toEqual([]);
    expect(await client().messages.list({ from: "+15005550099" })).toEqual([]);
  });

  it("filters by the day sent (DateSent, DateSent<, DateSent>)", async () => {
    const [last] = newestFirst();
    await dispatchUntil(
      s,
      async () => (await f.count(sql`twilio_sid = ${last?.sid ?? ""} and status = 'sent'`)) === 1,
    );
    const rows = await f.rows<{ twilio_sid: string; sent_at: Date | string }>(
      sql`select twilio_sid, sent_at from messages where workspace_id = ${f.workspaceId} and twilio_sid is not null
        and sent_at is not null`,
    );
    const sent = new Set(rows.map((r) => r.twilio_sid));
    expect(sent.size).toBeGreaterThan(0);
    // The UTC day they were sent (the same for all: one dispatch, well within a minute).
    const today = new Date(rows[0]?.sent_at ?? Date.now());
    const sids = async (o: Parameters<ReturnType<typeof client>["messages"]["list"]>[0]) =>
      new Set((await client().messages.list(o)).map((m) => m.sid));
    expect(await sids({ dateSent: today })).toEqual(sent);
    expect(await sids({ dateSentAfter: new Date(Date.now() - 3_600_000) })).toEqual(sent);
    expect(await sids({ dateSentBefore: new Date(Date.now() - 3_600_000) })).toEqual(new Set());
    expect(await sids({ dateSent: new Date(Date.now() - 2 * 86_400_000) })).toEqual(new Set());
  });

  it("answers errors in Twilio's shape: a bad parameter (21100), bad credentials (20003)", async () => {
    for (const [query, field] of [
      ["PageSize=0", "PageSize"],
      ["PageSize=1001", "PageSize"],
      ["DateSent=yesterday", "DateSent"],
      ["PageToken=nope", "PageToken"],
      ["Page=3", "Page"],
      ["To=%2B1&To=%2B2", "To"],
    ] as const) {
      const r = await fetch(`${base}/2010-04-01/Accounts/${f.ws.accountSid}/Messages.json?${query}`, {
        headers: {
          authorization: `Basic ${Buffer.from(`${f.ws.accountSid}:${f.ws.apiKey}`).toString("base64")}`,
        },
      });
      expect(r.status, query).toBe(400);
      expect(await r.json(), query).toMatchObject({
        code: 21100,
        message: `Invalid parameter: ${field}`,
        more_info: "https://www.twilio.com/docs/errors/21100",
        status: 400,
        field,
      });
    }
    const wrong = twilio(f.ws.accountSid, "ask_wrong");
    wrong.api.baseUrl = base;
    expect(await wrong.messages.list({}).catch((e: { status: number; code: number }) => e)).toMatchObject({
      status: 401,
      code: 20003,
    });
    // Another workspace's account lists only its own messages.
    const other = await messagingFixture(s, "Other list");
    const theirs = twilio(other.ws.accountSid, other.ws.apiKey);
    theirs.api.baseUrl = base;
    expect(await theirs.messages.list({})).toEqual([]);
  });
});
