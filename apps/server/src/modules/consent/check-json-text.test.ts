import { describe, expect, it } from "vitest";
import { checkJsonText } from "./check-json-text.js";
import { presentCheck } from "./presenters.js";

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
    }
  });
});
