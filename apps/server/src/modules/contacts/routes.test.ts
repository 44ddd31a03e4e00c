import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { rows, withWorkspaceTx } from "../../core/db/tx.js";
import { CONTACT_CHANGES_CHANNEL } from "./contact-changes.js";

let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(async () => s.close());

async function count(workspaceId: string, table: "contacts" | "contact_identities"): Promise<number> {
  const r = await withWorkspaceTx(s.ctx.db, workspaceId, (tx) =>
    rows<{ n: number }>(tx, sql`select count(*)::int as n from ${sql.identifier(table)}`),
  );
  return r[0]?.n ?? -1;
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(ok()).toBe(true);
}

describe("contact routes", () => {
  it("creates, finds by address, reads, changes and extends a contact", async () => {
    const ws = await s.workspace();
    const h = bearer(ws.apiKey);
    const created = await s.app.inject({
      method: "POST",
      url: "/v1/contacts",
      headers: h,
      payload: {
        identities: [
          { channel: "sms", address: "+1 415 555 2671" },
          { channel: "telegram", address: "4242" },
        ],
        displayName: "Ada",
        locale: "es-mx",
        timeZone: "America/Los_Angeles",
      },
    });
    expect(created.statusCode).toBe(201);
    const c = created.json();
    expect(c).toMatchObject({
      displayName: "Ada",
      locale: "es-MX",
      timeZone: "America/Los_Angeles",
      country: "US",
      minor: false,
      restricted: false,
      erased: false,
    });
    expect(c.identities.map((i: { channel: string; address: string }) => [i.channel, i.address])).toEqual([
      ["sms", "+14155552671"],
      ["telegram", "4242"],
    ]);

    const found = await s.app.inject({
      method: "GET",
      url: "/v1/contacts?channel=whatsapp&address=14155552671",
      headers: h,
    });
    expect(found.json().data.map((x: { id: string }) => x.id)).toEqual([c.id]);
    const none = await s.app.inject({
      method: "GET",
      url: "/v1/contacts?channel=sms&address=%2B14155550000",
      headers: h,
    });
    expect(none.json()).toEqual({ data: [], nextCursor: null });

    const patched = await s.app.inject({
      method: "PATCH",
      url: `/v1/contacts/${c.id}`,
      headers: h,
      payload: { minor: true, locale: null },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ minor: true, locale: null, displayName: "Ada" });

    const added = await s.app.inject({
      method: "POST",
      url: `/v1/contacts/${c.id}/identities`,
      headers: h,
      payload: { channel: "email", address: "Ada@Example.com" },
    });
    expect(added.statusCode).toBe(201);
    const again = await s.app.inject({
      method: "POST",
      url: `/v1/contacts/${c.id}/identities`,
      headers: h,
      payload: { channel: "email", address: "ada@example.com" },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().identities).toHaveLength(3);

    const got = await s.app.inject({ method: "GET", url: `/v1/contacts/${c.id}`, headers: h });
    expect(got.json()).toEqual(again.json());
  });

  it("tells every process's decision cache when a contact is created or given an address (NOTIFY on commit)", async () => {
    const ws = await s.workspace();
    const h = bearer(ws.apiKey);
    const heard: string[] = [];
    const feed = await s.database.listen(CONTACT_CHANGES_CHANNEL, { onPayload: (p) => heard.push(p) });
    try {
      const created = await s.app.inject({
        method: "POST",
        url: "/v1/contacts",
        headers: h,
        payload: { identities: [{ channel: "telegram", address: "5151" }] },
      });
      expect(created.statusCode).toBe(201);
      const id = created.json().id as string;
      const payload = `${ws.workspaceId} ${id}`;
      await until(() => heard.includes(payload));
      heard.length = 0;
      // A first phone number: another process may hold "nobody has this number", and the contact now has
      // a time zone for quiet hours.
      const added = await s.app.inject({
        method: "POST",
        url: `/v1/contacts/${id}/identities`,
        headers: h,
        payload: { channel: "sms", address: "+14155550188" },
      });
      expect(added.statusCode).toBe(201);
      expect(added.json().country).toBe("US");
      await until(() => heard.includes(payload));
    } finally {
      await feed.close();
    }
  });

  it("keeps the answer an Idempotency-Key replays sealed: no phone, email or name in the clear", async () => {
    const ws = await s.workspace();
    const create = (key: string) =>
      s.app.inject({
        method: "POST",
        url: "/v1/contacts",
        headers: { ...bearer(ws.apiKey), "idempotency-key": key },
        payload: { phone: "+1 415 555 2671", email: "ada@example.com", name: "Ada Lovelace" },
      });
    const first = await create("ada-1");
    expect(first.statusCode).toBe(201);
    const stored = await withWorkspaceTx(s.ctx.db, ws.workspaceId, (tx) =>
      rows<{ response: unknown }>(tx, sql`select response from idempotency_keys where key = 'ada-1'`),
    );
    expect(typeof stored[0]?.response).toBe("string");
    expect(String(stored[0]?.response)).toMatch(/^v1\./);
    for (const secret of ["4155552671", "ada@example.com", "Ada Lovelace"])
      expect(JSON.stringify(stored)).not.toContain(secret);
    const replay = await create("ada-1");
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(first.json());
    // An answer stored before sealing (a JSON object) still replays.
    await withWorkspaceTx(s.ctx.db, ws.workspaceId, (tx) =>
      tx.execute(
        sql`update idempotency_keys set response = ${JSON.stringify(first.json())}::jsonb where key = 'ada-1'`,
      ),
    );
    expect((await create("ada-1")).json()).toEqual(first.json());
  });

  it("refuses an address that belongs to another contact with 409 and its id", async () => {
    const ws = await s.workspace();
    const h = bearer(ws.apiKey);
    const a = (
      await s.app.inject({
        method: "POST",
        url: "/v1/contacts",
        headers: h,
        payload: { identities: [{ channel: "whatsapp", address: "+33612345678" }] },
      })
    ).json();
    const dup = await s.app.inject({
      method: "POST",
      url: "/v1/contacts",
      headers: h,
      payload: {
        identities: [
          { channel: "telegram", address: "1" },
          { channel: "sms", address: "+33612345678" },
        ],
      },
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({
      code: "conflict",
      field: "identities[1].address",
      details: { contactId: a.id },
    });
    const b = (
      await s.app.inject({
        method: "POST",
        url: "/v1/contacts",
        headers: h,
        payload: { identities: [{ channel: "telegram", address: "2" }] },
      })
    ).json();
    const steal = await s.app.inject({
      method: "POST",
      url: `/v1/contacts/${b.id}/identities`,
      headers: h,
      payload: { channel: "sms", address: "+33612345678" },
    });
    expect(steal.statusCode).toBe(409);
    expect(await count(ws.workspaceId, "contacts")).toBe(2);
    expect(await count(ws.workspaceId, "contact_identities")).toBe(2);
  });

  it("names the field at fault and writes nothing on bad input", async () => {
    const ws = await s.workspace();
    const h = bearer(ws.apiKey);
    const cases: [unknown, string][] = [
      [{ identities: [] }, "identities"],
      [{ identities: [{ channel: "fax", address: "1" }] }, "identities[0].channel"],
      [{ identities: [{ channel: "sms", address: "12" }] }, "identities[0].address"],
      [{ identities: [{ channel: "sms", address: "+14155552671" }], timeZone: "Mars/Base" }, "timeZone"],
      [{ identities: [{ channel: "sms", address: "+14155552671" }], locale: "!!" }, "locale"],
      [{ identities: [{ channel: "sms", address: "+14155552671" }], extra: 1 }, "extra"],
    ];
    for (const [payload, field] of cases) {
      const r = await s.app.inject({
        method: "POST",
        url: "/v1/contacts",
        headers: h,
        payload: payload as object,
      });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().error.field, JSON.stringify(payload)).toBe(field);
    }
    const q = await s.app.inject({ method: "GET", url: "/v1/contacts?address=x", headers: h });
    expect(q.statusCode).toBe(400);
    expect(q.json().error.field).toBe("channel");
    expect(await count(ws.workspaceId, "contacts")).toBe(0);
  });

  it("creates a contact from the issue's shape: phone, email and name", async () => {
    const ws = await s.workspace();
    const h = bearer(ws.apiKey);
    const created = await s.app.inject({
      method: "POST",
      url: "/v1/contacts",
      headers: { ...h, "idempotency-key": "crm-1" },
      payload: { phone: "+1 (415) 555-2671", email: " Ada@Example.com ", name: "Ada", locale: "en-us" },
    });
    expect(created.statusCode, created.body).toBe(201);
    const c = created.json();
    expect(c.id).toMatch(/^ctc_/);
    expect(c).toMatchObject({ displayName: "Ada", locale: "en-US", country: "US", region: "US-CA" });
    expect(c.identities.map((i: { channel: string; address: string }) => [i.channel, i.address])).toEqual([
      ["sms", "+14155552671"],
      ["email", "ada@example.com"],
    ]);
    const replay = await s.app.inject({
      method: "POST",
      url: "/v1/contacts",
      headers: { ...h, "idempotency-key": "crm-1" },
      payload: { phone: "+1 (415) 555-2671", email: " Ada@Example.com ", name: "Ada", locale: "en-us" },
    });
    expect(replay.json()).toEqual(c);
    // One phone number reaches the contact on every phone channel, as a send or a check by `to` finds it.
    for (const [channel, address] of [
      ["sms", "+14155552671"],
      ["whatsapp", "14155552671"],
      ["voice", "+1 415 555 2671"],
      ["email", "ADA@example.com"],
    ]) {
      const found = await s.app.inject({
        method: "GET",
        url: `/v1/contacts?channel=${channel}&address=${encodeURIComponent(address ?? "")}`,
        headers: h,
      });
      expect(
        found.json().data.map((x: { id: string }) => x.id),
        channel,
      ).toEqual([c.id]);
    }
    const check = await s.app.inject({
      method: "POST",
      url: "/v1/consent/check",
      headers: h,
      payload: { to: "+14155552671", brandId: ws.brandId, channel: "whatsapp", category: "transactional" },
    });
    expect(check.json().contactId).toBe(c.id);

    // Phone only, and email only: one identity each.
    const phoneOnly = await s.app.inject({
      method: "POST",
      url: "/v1/contacts",
      headers: h,
      payload: { phone: "0033612345678" },
    });
    expect(phoneOnly.statusCode).toBe(201);
    expect(phoneOnly.json()).toMatchObject({
      displayName: null,
      country: "FR",
      identities: [{ channel: "sms", address: "+33612345678" }],
    });
    const emailOnly = await s.app.inject({
      method: "POST",
      url: "/v1/contacts",
      headers: h,
      payload: { email: "bob@example.com", displayName: "Bob" },
    });
    expect(emailOnly.json()).toMatchObject({
      displayName: "Bob",
      country: null,
      identities: [{ channel: "email", address: "bob@example.com" }],
    });
    // A phone already given among the identities on a phone channel adds nothing; other identities stay.
    const mixed = await s.app.inject({
      method: "POST",
      url: "/v1/contacts",
      headers: h,
      payload: {
        phone: "+44 7911 123456",
        identities: [
          { channel: "whatsapp", address: "447911123456" },
          { channel: "telegram", address: "555" },
        ],
      },
    });
    expect(mixed.statusCode).toBe(201);
    expect(
      mixed.json().identities.map((i: { channel: string; address: string }) => [i.channel, i.address]),
    ).toEqual([
      ["whatsapp", "+447911123456"],
      ["telegram", "555"],
    ]);
    expect(await count(ws.workspaceId, "contacts")).toBe(4);
    expect(await count(ws.workspaceId, "contact_identities")).toBe(6);
  });

  it("names phone, email or name when the issue's shape is wrong, and writes nothing", async () => {
    const ws = await s.workspace();
    const h = bearer(ws.apiKey);
    const taken = (
      await s.app.inject({
        method: "POST",
        url: "/v1/contacts",
        headers: h,
        payload: { phone: "+33612345678", email: "taken@example.com" },
      })
    ).json();
    const cases: [unknown, number, string][] = [
      [{}, 400, "identities"],
      [{ name: "Ada" }, 400, "identities"],
      [{ phone: "12" }, 400, "phone"],
      [{ phone: "0612345678" }, 400, "phone"],
      [{ phone: "+999 1234 5678 9999" }, 400, "phone"],
      [{ phone: "" }, 400, "phone"],
      [{ phone: 33612345678 }, 400, "phone"],
      [{ phone: "+1415555\u00002671" }, 400, "phone"],
      [{ phone: "+1 000 000 0000" }, 400, "phone"],
      [{ phone: "+1 555 123 4567" }, 400, "phone"],
      [{ identities: [{ channel: "whatsapp", address: "+33 0 00 00 00 00" }] }, 400, "identities[0].address"],
      [{ email: "not-an-email" }, 400, "email"],
      [{ email: "" }, 400, "email"],
      [{ email: ["a@example.com"] }, 400, "email"],
      [{ phone: "+14155552671", email: "a@b" }, 400, "email"],
      [{ phone: "+14155552671", name: "Ada", displayName: "Ada" }, 400, "name"],
      [{ phone: "+14155552671", name: "x".repeat(201) }, 400, "name"],
      [{ phone: "+14155552671", identities: [] }, 400, "identities"],
      [
        { phone: "+14155552671", identities: [{ channel: "sms", address: "nope" }] },
        400,
        "identities[0].address",
      ],
      [{ phone: "+14155552671", nickname: "A" }, 400, "nickname"],
      [{ phone: "+33 6 12 34 56 78" }, 409, "phone"],
      [{ email: "TAKEN@example.com" }, 409, "email"],
      [{ phone: "+14155552671", email: "taken@example.com" }, 409, "email"],
      [{ identities: [{ channel: "whatsapp", address: "33612345678" }] }, 409, "identities[0].address"],
    ];
    for (const [payload, status, field] of cases) {
      const r = await s.app.inject({
        method: "POST",
        url: "/v1/contacts",
        headers: h,
        payload: payload as object,
      });
      expect(r.statusCode, JSON.stringify(payload)).toBe(status);
      expect(r.json().error.field, JSON.stringify(payload)).toBe(field);
      if (status === 409)
        expect(r.json().error.details, JSON.stringify(payload)).toEqual({ contactId: taken.id });
    }
    expect(await count(ws.workspaceId, "contacts")).toBe(1);
    expect(await count(ws.workspaceId, "contact_identities")).toBe(2);
  });

  it("answers 404 across workspaces and checks permissions", async () => {
    const a = await s.workspace("A");
    const b = await s.workspace("B");
    const c = (
      await s.app.inject({
        method: "POST",
        url: "/v1/contacts",
        headers: bearer(a.apiKey),
        payload: { identities: [{ channel: "telegram", address: "9" }] },
      })
    ).json();
    for (const [method, url, payload] of [
      ["GET", `/v1/contacts/${c.id}`, undefined],
      ["PATCH", `/v1/contacts/${c.id}`, { minor: true }],
      ["POST", `/v1/contacts/${c.id}/identities`, { channel: "telegram", address: "10" }],
      ["GET", "/v1/contacts/ctc_nope", undefined],
    ] as const) {
      const r = await s.app.inject({
        method,
        url,
        headers: bearer(b.apiKey),
        ...(payload ? { payload } : {}),
      });
      expect(r.statusCode, `${method} ${url}`).toBe(404);
    }
    const lookup = await s.app.inject({
      method: "GET",
      url: "/v1/contacts?channel=telegram&address=9",
      headers: bearer(b.apiKey),
    });
    expect(lookup.json().data).toEqual([]);
    expect((await s.app.inject({ method: "GET", url: "/v1/contacts" })).statusCode).toBe(401);
  });

  it("never answers 5xx to random bodies", async () => {
    const ws = await s.workspace();
    const h = bearer(ws.apiKey);
    const c = (
      await s.app.inject({
        method: "POST",
        url: "/v1/contacts",
        headers: h,
        payload: { identities: [{ channel: "telegram", address: "77" }] },
      })
    ).json();
    const identity = fc.record(
      {
        channel: fc.oneof(
          fc.constantFrom("sms", "whatsapp", "telegram", "instagram", "sandbox", "voice", "email"),
          fc.string(),
        ),
        address: fc.oneof(fc.string(), fc.integer(), fc.constant("+14155552671")),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.anything(),
      fc.record(
        {
          identities: fc.oneof(fc.array(identity, { maxLength: 3 }), fc.anything()),
          displayName: fc.anything(),
          name: fc.oneof(fc.string(), fc.anything()),
          phone: fc.oneof(fc.string(), fc.constant("+14155552672"), fc.anything()),
          email: fc.oneof(fc.string(), fc.constant("fuzz@example.com"), fc.anything()),
          locale: fc.oneof(fc.string(), fc.constant("en")),
          timeZone: fc.string(),
          minor: fc.anything(),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom("POST /v1/contacts", "PATCH /v1/contacts/:id", "POST /v1/contacts/:id/identities"),
        async (payload, route) => {
          const [method, path] = route.split(" ") as ["POST" | "PATCH", string];
          const r = await s.app.inject({
            method,
            url: path.replace(":id", c.id),
            headers: { ...h, "content-type": "application/json" },
            payload: JSON.stringify(payload) ?? "null",
          });
          expect(r.statusCode, `${route} ${r.body}`).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    const q = await s.app.inject({
      method: "GET",
      url: `/v1/contacts?channel=sms&address=${encodeURIComponent("\u0000%")}&limit=0`,
      headers: h,
    });
    expect(q.statusCode).toBe(400);
  });
});
