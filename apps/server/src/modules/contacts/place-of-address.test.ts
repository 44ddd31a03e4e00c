import { describe, expect, it } from "vitest";
import { nanpAreaCodes } from "./nanp-area-codes.js";
import { normalizeAddress } from "./normalize-address.js";
import { placeOfAddress } from "./place-of-address.js";

const parsed = (address: string) => {
  const n = normalizeAddress("sms", address);
  return { country: n.country, region: n.region, timeZone: n.timeZone };
};

describe("placeOfAddress", () => {
  it("places every number of an area code as a full parse does, whichever of its numbers came first", () => {
    for (const code of nanpAreaCodes.keys()) {
      // Two numbers of the area code: the second is answered from the first's place.
      for (const line of ["2345678", "4561234"]) {
        const address = `+1${code}${line}`;
        expect(placeOfAddress("sms", address), address).toEqual(parsed(address));
      }
    }
  });

  it("parses numbers elsewhere, and answers null for what is not a phone number", () => {
    expect(placeOfAddress("whatsapp", "+33612345678")).toEqual(parsed("+33612345678"));
    expect(placeOfAddress("whatsapp", "US13491208655302741918")).toBeNull();
    expect(placeOfAddress("telegram", "5550001")).toBeNull();
    expect(placeOfAddress("sms", "+1 not a number")).toBeNull();
  });
});
