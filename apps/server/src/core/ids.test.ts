import { describe, expect, it } from "vitest";
import { isId, newId } from "./ids.js";

describe("newId", () => {
  it("gives distinct, well-formed ids that sort in creation order, also within one millisecond", () => {
    const ids = Array.from({ length: 5_000 }, () => newId("req"));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => isId("req", id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    const time = (id: string) => id.slice(4, 14);
    // Many ids share a millisecond here: those are ordered by their incremented random part.
    expect(new Set(ids.map(time)).size).toBeLessThan(ids.length);
  });

  it("carries the creation time in its first ten characters", () => {
    const before = Date.now();
    const id = newId("msg");
    const t = [...id.slice(4, 14)].reduce(
      (acc, ch) => acc * 32 + "0123456789abcdefghjkmnpqrstvwxyz".indexOf(ch),
      0,
    );
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });
});
