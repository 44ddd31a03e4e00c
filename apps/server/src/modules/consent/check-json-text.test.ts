import { describe, expect, it } from "vitest";
import { checkJsonText } from "./check-json-text.js";
import { presentCheck, ZCheckJson } from "./presenters.js";

describe("checkJsonText", () => {
  it("writes exactly what JSON.stringify writes, for every shape of answer", () => {
    const answers = [
      presentCheck(
        { allowed: true, reason: "consent_granted", basis: "consent", ledgerEntryIds: ["cns_1", "cns_2"] },
        "ctc_1",
        0,
      ),
      presentCheck({ allowed: false, reason: "consent_missing", basis: null, ledgerEntryIds: [] }, null, 3),
      presentCheck(
        {
          allowed: false,
          reason: "quiet_hours",
          basis: "consent",
          ledgerEntryIds: ['odd"id\\'],
          notBefore: new Date("2026-11-23T13:00:00.000Z"),
        },
        'ctc_"x',
        0.25,
      ),
    ];
    for (const a of answers) {
      expect(checkJsonText(a)).toBe(JSON.stringify(a));
      expect(JSON.parse(checkJsonText(a))).toEqual(a);
      expect(ZCheckJson.parse(JSON.parse(checkJsonText(a)))).toEqual(a);
    }
  });

  it("always carries notBefore, null when there is none, as docs/consent.md shows", () => {
    const refused = presentCheck(
      { allowed: false, reason: "opted_out", basis: null, ledgerEntryIds: ["cns_1"] },
      "ctc_1",
      2,
    );
    expect(JSON.parse(checkJsonText(refused))).toEqual({
      allowed: false,
      reason: "opted_out",
      basis: null,
      ledgerEntryIds: ["cns_1"],
      notBefore: null,
      contactId: "ctc_1",
      signals: { optOutPropensity: 2 },
    });
    const quiet = presentCheck(
      {
        allowed: false,
        reason: "quiet_hours",
        basis: "consent",
        ledgerEntryIds: [],
        notBefore: new Date("2026-11-23T13:00:00.000Z"),
      },
      null,
      0,
    );
    expect(JSON.parse(checkJsonText(quiet)).notBefore).toBe("2026-11-23T13:00:00.000Z");
    // The schema the OpenAPI document is built from says the same: required, a string or null.
    expect(ZCheckJson.safeParse({ ...refused, notBefore: undefined }).success).toBe(false);
  });
});
