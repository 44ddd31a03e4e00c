import { describe, expect, it } from "vitest";
import { isId } from "../core/ids.js";
import { newRequestId } from "./request-id.js";

describe("newRequestId", () => {
  it("gives distinct ids shaped like our other ids", () => {
    const ids = Array.from({ length: 10_000 }, () => newRequestId());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => isId("req", id))).toBe(true);
  });
});
