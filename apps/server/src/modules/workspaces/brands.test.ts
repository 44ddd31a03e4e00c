import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { ZBrandQuietHours } from "../consent/index.js";

let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(async () => s.close());

describe("brands", () => {
  it("creates, lists with a cursor and gets a brand", async () => {
    const ws = await s.workspace();
    const created = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: bearer(ws.apiKey),
      payload: { name: "Acme Shoes" },
    });
    expect(created.statusCode).toBe(201);
    const brand = created.json();
    expect(brand.id).toMatch(/^brd_/);
    expect(brand.name).toBe("Acme Shoes");
    expect(created.headers["x-request-id"]).toBeTruthy();

    const list1 = await s.app.inject({
      method: "GET",
      url: "/v1/brands?limit=1",
      headers: bearer(ws.apiKey),
    });
    expect(list1.statusCode).toBe(200);
    expect(list1.json().data).toHaveLength(1);
    const cursor = list1.json().nextCursor;
    expect(cursor).toBeTruthy();
    const list2 = await s.app.inject({
      method: "GET",
      url: `/v1/brands?limit=1&cursor=${cursor}`,
      headers: bearer(ws.apiKey),
    });
    expect(list2.json().data[0].id).not.toBe(list1.json().data[0].id);
    expect(list2.json().nextCursor).toBeNull();

    const got = await s.app.inject({
      method: "GET",
      url: `/v1/brands/${brand.id}`,
      headers: bearer(ws.apiKey),
    });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(brand);
  });

  it("names the field at fault and writes nothing on bad input", async () => {
    const ws = await s.workspace();
    const bad = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: bearer(ws.apiKey),
      payload: { name: "" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: "validation_failed", field: "name" });
    const extra = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: bearer(ws.apiKey),
      payload: { name: "x", color: 1 },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.field).toBe("color");
    const notJson = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: { ...bearer(ws.apiKey), "content-type": "application/json" },
      payload: "{nope",
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.code).toBe("validation_failed");
    const list = await s.app.inject({ method: "GET", url: "/v1/brands", headers: bearer(ws.apiKey) });
    expect(list.json().data).toHaveLength(1);
  });

  it("refuses a quiet-hours window the decisions could not read, naming it; keeps a valid one", async () => {
    const ws = await s.workspace();
    const create = (quietHours: unknown, name: string) =>
      s.app.inject({
        method: "POST",
        url: "/v1/brands",
        headers: bearer(ws.apiKey),
        payload: { name, settings: { quietHours } },
      });
    for (const [bad, field] of [
      [{ start: "9:00", end: "20:00" }, "settings.quietHours.start"],
      [{ start: "09:00", end: "24:00" }, "settings.quietHours.end"],
      [{ start: "09:00", end: "20:00", timeZone: "Mars/Olympus" }, "settings.quietHours.timeZone"],
      [{ start: "09:00", end: "20:00", timeZone: null }, "settings.quietHours.timeZone"],
      ["09:00-20:00", "settings.quietHours"],
    ] as const) {
      // What the route refuses, the decisions could not read either.
      expect(ZBrandQuietHours.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
      const r = await create(bad, `Bad ${JSON.stringify(bad)}`);
      expect(r.statusCode, JSON.stringify(bad)).toBe(400);
      expect(r.json().error.field, JSON.stringify(bad)).toBe(field);
    }
    const ok = await create({ start: "09:00", end: "20:00", timeZone: "Europe/Paris" }, "Quiet");
    expect(ok.statusCode).toBe(201);
    expect(ok.json().settings.quietHours).toEqual({ start: "09:00", end: "20:00", timeZone: "Europe/Paris" });
    expect(ZBrandQuietHours.parse(ok.json().settings.quietHours)).toEqual({
      start: 9 * 60,
      end: 20 * 60,
      timeZone: "Europe/Paris",
    });
  });

  it("refuses a duplicate name with 409", async () => {
    const ws = await s.workspace();
    await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: bearer(ws.apiKey),
      payload: { name: "Dup" },
    });
    const again = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: bearer(ws.apiKey),
      payload: { name: "Dup" },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.field).toBe("name");
  });

  it("replays an Idempotency-Key and refuses its reuse for another body", async () => {
    const ws = await s.workspace();
    const h = { ...bearer(ws.apiKey), "idempotency-key": "k-1" };
    const a = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: h,
      payload: { name: "Once" },
    });
    const b = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: h,
      payload: { name: "Once" },
    });
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.json().id).toBe(a.json().id);
    const c = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: h,
      payload: { name: "Other" },
    });
    expect(c.statusCode).toBe(409);
    expect(c.json().error.code).toBe("idempotency_conflict");
  });

  it("never shows one workspace's brand to another (404, not 403)", async () => {
    const a = await s.workspace("A");
    const b = await s.workspace("B");
    const got = await s.app.inject({
      method: "GET",
      url: `/v1/brands/${a.brandId}`,
      headers: bearer(b.apiKey),
    });
    expect(got.statusCode).toBe(404);
    const list = await s.app.inject({ method: "GET", url: "/v1/brands", headers: bearer(b.apiKey) });
    expect(list.json().data.map((x: { id: string }) => x.id)).not.toContain(a.brandId);
  });

  it("answers a malformed id with a 4xx, never a 5xx", async () => {
    const ws = await s.workspace();
    for (const id of ["%00", "brd_%00x", "%F0%28%8C%BC", "x".repeat(100)]) {
      const r = await s.app.inject({ method: "GET", url: `/v1/brands/${id}`, headers: bearer(ws.apiKey) });
      expect(r.statusCode, id).toBeGreaterThanOrEqual(400);
      expect(r.statusCode, id).toBeLessThan(500);
    }
  });

  it("requires credentials", async () => {
    const r = await s.app.inject({ method: "GET", url: "/v1/brands" });
    expect(r.statusCode).toBe(401);
    const wrong = await s.app.inject({ method: "GET", url: "/v1/brands", headers: bearer("ask_nope") });
    expect(wrong.statusCode).toBe(401);
  });
});
