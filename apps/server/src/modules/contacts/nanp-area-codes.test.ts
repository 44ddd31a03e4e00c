import { readFileSync } from "node:fs";
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { describe, expect, it } from "vitest";
import { isTimeZone } from "./contact-profile.js";
import { countryTimeZones } from "./country-time-zones.js";
import { nanpAreaCodes } from "./nanp-area-codes.js";
import { normalizeAddress } from "./normalize-address.js";

const US = [
  "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY",
  "PR VI GU MP AS",
]
  .join(" ")
  .split(" ")
  .map((s) => `US-${s}`);
const CA = "AB BC MB NB NL NS ON QC SK NT".split(" ").map((p) => `CA-${p}`);

describe("time-zone tables", () => {
  it("place every US state, DC, territory and Canadian province, each code once, in zones this runtime knows", () => {
    const source = readFileSync(new URL("./nanp-area-codes.ts", import.meta.url), "utf8");
    const listed = [...source.matchAll(/"((?:\d{3} )*\d{3})"/g)].flatMap((m) => (m[1] ?? "").split(" "));
    expect(new Set(listed).size).toBe(listed.length);
    expect(nanpAreaCodes.size).toBe(listed.length);
    expect(nanpAreaCodes.size).toBeGreaterThan(400);
    const regions = new Set([...nanpAreaCodes.values()].map((p) => p.region));
    expect([...regions].sort()).toEqual([...US, ...CA].sort());
    for (const [code, place] of nanpAreaCodes) {
      expect(code).toMatch(/^[2-9]\d\d$/);
      expect(isTimeZone(place.timeZone), `${code} ${place.timeZone}`).toBe(true);
      // libphonenumber's metadata agrees on the country of every code.
      const parsed = parsePhoneNumberFromString(`+1${code}5550123`);
      const country = parsed?.country ?? "US";
      expect(place.region.startsWith(`${country}-`) || place.region.endsWith(`-${country}`), code).toBe(true);
    }
    for (const [country, zone] of Object.entries(countryTimeZones)) {
      expect(country).toMatch(/^[A-Z]{2}$/);
      expect(isTimeZone(zone), `${country} ${zone}`).toBe(true);
    }
    expect(Object.keys(countryTimeZones).length).toBeGreaterThan(240);
  });

  it("put numbers where their area code is, and the rest where their country is", () => {
    const place = (n: string) => {
      const { region, timeZone } = normalizeAddress("sms", n);
      return [region, timeZone];
    };
    expect(place("+12125550100")).toEqual(["US-NY", "America/New_York"]);
    expect(place("+13125550100")).toEqual(["US-IL", "America/Chicago"]);
    expect(place("+19155550100")).toEqual(["US-TX", "America/Denver"]);
    expect(place("+16025550100")).toEqual(["US-AZ", "America/Phoenix"]);
    expect(place("+19075550100")).toEqual(["US-AK", "America/Anchorage"]);
    expect(place("+18085550100")).toEqual(["US-HI", "Pacific/Honolulu"]);
    expect(place("+16045550100")).toEqual(["CA-BC", "America/Vancouver"]);
    expect(place("+17095550100")).toEqual(["CA-NL", "America/St_Johns"]);
    expect(place("+447400123456")).toEqual([null, "Europe/London"]);
    expect(place("+5511987654321")).toEqual([null, "America/Sao_Paulo"]);
    expect(place("+61412345678")).toEqual([null, "Australia/Sydney"]);
  });
});
