import { describe, expect, it } from "vitest";
import { scalarJsonMap } from "./scalar-json-map.js";

describe("scalarJsonMap", () => {
  it("is the JSON of the object of non-null values, whatever the characters", () => {
    const items: { id: string; v: string | number | null }[] = [
      { id: "msg_01", v: 'quote " backslash \\ newline \n' },
      { id: 'odd "key"', v: 12.5 },
      { id: "msg_02", v: null },
      { id: "msg_03", v: "wamid.HBgL=/+é\u0000" },
      { id: "msg_04", v: "cns_1,cns_2" },
      { id: "msg_05", v: 1732345678123 },
    ];
    const text = scalarJsonMap(
      items,
      (i) => i.id,
      (i) => i.v,
    );
    expect(JSON.parse(text)).toEqual({
      msg_01: 'quote " backslash \\ newline \n',
      'odd "key"': 12.5,
      msg_03: "wamid.HBgL=/+é\u0000",
      msg_04: "cns_1,cns_2",
      msg_05: 1732345678123,
    });
  });

  it("is an empty object when every value is null", () => {
    expect(
      scalarJsonMap(
        [{ id: "msg_01" }],
        (i) => i.id,
        () => null,
      ),
    ).toBe("{}");
  });
});
