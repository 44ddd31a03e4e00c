import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";
import { requestHash } from "./idempotency.js";

describe("canonicalJson", () => {
  it("writes an object's keys in one order at every depth, and keeps arrays' order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"e":2,"f":1}]},"b":1}',
    );
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it("makes an idempotent request's hash blind to key order, not to values", () => {
    const route = "POST /v1/contacts";
    expect(requestHash(route, { phone: "+33612345678", name: "A", meta: { x: 1, y: 2 } })).toBe(
      requestHash(route, { meta: { y: 2, x: 1 }, name: "A", phone: "+33612345678" }),
    );
    expect(requestHash(route, { name: "A" })).not.toBe(requestHash(route, { name: "B" }));
  });
});
