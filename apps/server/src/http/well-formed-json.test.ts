import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../test/server.js";
import { verifyConsent } from "../modules/consent/index.js";
import { illFormedPath } from "./well-formed-json.js";

let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(async () => s.close());

describe("JSON bodies", () => {
  it("finds the first string or key holding a lone surrogate", () => {
    expect(illFormedPath({ a: "ok 😀", b: ["x", { c: "cut \ud83d" }] })).toBe("b[1].c");
    expect(illFormedPath({ "\udc00": 1 })).toBe("\udc00");
    expect(illFormedPath("\ude00 alone")).toBe("body");
    expect(illFormedPath({ a: "😀", b: [1, null, true], c: { d: "é" } })).toBeUndefined();
  });

  it("refuses a lone surrogate with a 400 naming the field, writes nothing, and keeps a whole emoji exactly", async () => {
    const ws = await s.workspace();
    const consent = (wording: string) =>
      `{"contact":{"channel":"sms","address":"+33612340077"},"brandId":"${ws.brandId}","channels":["sms"],` +
      `"evidence":{"method":"web_form","source":"signup","wording":"${wording}","wordingVersion":"v1"}}`;
    const post = (payload: string) =>
      s.app.inject({
        method: "POST",
        url: "/v1/consents",
        headers: { ...bearer(ws.apiKey), "content-type": "application/json" },
        payload,
      });
    const ledger = async () =>
      (
        await s.database.query<{ n: number }>(
          "select count(*)::int as n from consent_ledger where workspace_id = $1",
          [ws.workspaceId],
        )
      )[0]?.n;
    const cut = await post(consent("Offers \\ud83d"));
    expect(cut.statusCode).toBe(400);
    expect(cut.json().error).toMatchObject({ code: "validation_failed", field: "evidence.wording" });
    const low = await post(consent("Offers \\uDE00 here").replace('"v1"', '"v\\udc001"'));
    expect(low.json().error.field).toBe("evidence.wording");
    expect(await ledger()).toBe(0);
    // A whole pair, escaped or not, is stored as given and its hash verifies.
    const whole = await post(consent("Offers \\ud83d\\ude00 and 😀"));
    expect(whole.statusCode, whole.body).toBe(201);
    const stored = await s.database.query<{ wording: string }>(
      "select wording from consent_ledger where workspace_id = $1",
      [ws.workspaceId],
    );
    expect(stored[0]?.wording).toBe("Offers 😀 and 😀");
    expect((await verifyConsent(s.ctx.db, { workspaceId: ws.workspaceId })).ok).toBe(true);
    // Fastify's protection against prototype poisoning still holds.
    const poisoned = await post(`{"__proto__":{"x":1},"brandId":"${ws.brandId}"}`);
    expect(poisoned.statusCode).toBe(400);
  });
});
