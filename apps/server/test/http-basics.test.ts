import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TTestServer } from "./server.js";

let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(async () => s.close());

describe("HTTP basics", () => {
  it("serves health, readiness, metrics, the OpenAPI document and the docs without credentials", async () => {
    expect((await s.app.inject({ method: "GET", url: "/healthz" })).json()).toEqual({ status: "ok" });
    expect((await s.app.inject({ method: "GET", url: "/readyz" })).json().status).toBe("ready");
    const metrics = await s.app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toContain("assent_http_request_duration_seconds");
    // Each route's own hooks record its duration under its pattern, and unmatched requests under one name.
    await s.app.inject({ method: "GET", url: "/v1/nothing-here" });
    const after = (await s.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(after).toMatch(/_count\{method="GET",route="\/healthz",status="200"\} [1-9]/);
    expect(after).toMatch(/_count\{method="GET",route="unmatched",status="404"\} [1-9]/);
    const doc = (await s.app.inject({ method: "GET", url: "/openapi.json" })).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/v1/brands");
    const ui = await s.app.inject({ method: "GET", url: "/docs/" });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain("swagger");
  });

  it("answers every error in one shape with a request id, and 404 for unknown routes", async () => {
    const r = await s.app.inject({ method: "GET", url: "/v1/nothing-here" });
    expect(r.statusCode).toBe(404);
    expect(r.json().error).toMatchObject({ code: "not_found" });
    expect(r.json().error.requestId).toBe(r.headers["x-request-id"]);
    const given = await s.app.inject({
      method: "GET",
      url: "/healthz",
      headers: { "x-request-id": "trace-123" },
    });
    expect(given.headers["x-request-id"]).toBe("trace-123");
    const hostile = await s.app.inject({
      method: "GET",
      url: "/healthz",
      headers: { "x-request-id": "<script>" },
    });
    expect(hostile.headers["x-request-id"]).toMatch(/^req_/);
  });

  it("sends security headers on every response: helmet's set, or the short API set on the check route", async () => {
    const health = await s.app.inject({ method: "GET", url: "/healthz" });
    expect(health.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(health.headers["x-content-type-options"]).toBe("nosniff");
    expect(health.headers["strict-transport-security"]).toContain("max-age=");
    expect(health.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(health.headers["x-request-id"]).toMatch(/^req_/);
    const missing = await s.app.inject({ method: "GET", url: "/v1/nothing-here" });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["x-content-type-options"]).toBe("nosniff");
    const denied = await s.app.inject({ method: "POST", url: "/v1/consent/check", payload: {} });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(denied.headers["cache-control"]).toBe("no-store");
    expect(denied.headers["x-request-id"]).toMatch(/^req_/);
  });

  it("refuses an unauthenticated caller before reading its body: 401, not 400 or 413", async () => {
    const bad = await s.app.inject({ method: "POST", url: "/v1/brands", payload: { name: 42 } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error).toMatchObject({ code: "unauthenticated", field: "Authorization" });
    const big = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: { authorization: "Bearer ask_not-a-key", "content-type": "application/json" },
      payload: JSON.stringify({ name: "x".repeat(1_100_000) }),
    });
    expect(big.statusCode).toBe(401);
    const ws = await s.workspace();
    const invalid = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: { authorization: `Bearer ${ws.apiKey}` },
      payload: { name: 42 },
    });
    expect(invalid.statusCode).toBe(400);
  });

  it("refuses a body over 1 MiB with 413 and an unknown content type with 415", async () => {
    const ws = await s.workspace();
    const big = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: { authorization: `Bearer ${ws.apiKey}`, "content-type": "application/json" },
      payload: JSON.stringify({ name: "x".repeat(1_100_000) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe("payload_too_large");
    const weird = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: { authorization: `Bearer ${ws.apiKey}`, "content-type": "application/x-weird" },
      payload: "x",
    });
    expect(weird.statusCode).toBe(415);
  });
});
