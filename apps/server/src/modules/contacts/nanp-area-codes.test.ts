import { readFileSync } from "node:fs";
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { describe, expect, it } from "vitest";
import { isTimeZone } from "./contact-profile.js";
import { countryTimeZones } from "./country-time-zones.js";
import { nanpAreaCodes } from "./nanp-area-codes.js";
import { normalizeAddress } from "./normalize-address.js";
import { timeZoneList } from "./time-zone-list.js";

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
      const zones = timeZoneList(place.timeZone);
      expect(zones.length).toBeGreaterThan(0);
      expect(new Set(zones).size, code).toBe(zones.length);
      for (const zone of zones) expect(isTimeZone(zone), `${code} ${zone}`).toBe(true);
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
    expect(place("+19075550100")).toEqual(["US-AK", "America/Anchorage America/Adak"]);
    expect(place("+18085550100")).toEqual(["US-HI", "Pacific/Honolulu"]);
    expect(place("+16045550100")).toEqual(["CA-BC", "America/Vancouver"]);
    expect(place("+17095550100")).toEqual(["CA-NL", "America/St_Johns America/Goose_Bay"]);
    // An area code that spans zones gives all of them, the most populous first.
    expect(place("+18506441234")).toEqual(["US-FL", "America/Chicago America/New_York"]);
    expect(place("+14486441234")).toEqual(["US-FL", "America/Chicago America/New_York"]);
    expect(place("+18124241234")).toEqual(["US-IN", "America/Indiana/Indianapolis America/Chicago"]);
    expect(place("+12083451234")).toEqual(["US-ID", "America/Boise America/Los_Angeles"]);
    expect(place("+13175550100")).toEqual(["US-IN", "America/Indiana/Indianapolis"]);
    expect(place("+447400123456")).toEqual([null, "Europe/London"]);
    expect(place("+5511987654321")).toEqual([null, "America/Sao_Paulo"]);
    expect(place("+61412345678")).toEqual([null, "Australia/Sydney"]);
  });

  it("gives contacts placed before zones were listed every zone their area code may have had", () => {
    // 0290 widens a stored majority zone to every zone of the area codes sharing its region and zone.
    const sql = readFileSync(new URL("./migrations/0290_split_area_code_zones.sql", import.meta.url), "utf8");
    const widened = new Map(
      [...sql.matchAll(/\('([A-Z]{2}-[A-Z]{2})', '([^']+)', '([^']+)'\)/g)].map((m) => [
        `${m[1]} ${m[2]}`,
        m[3] ?? "",
      ]),
    );
    const groups = new Map<string, Set<string>>();
    for (const place of nanpAreaCodes.values()) {
      const [majority, ...others] = timeZoneList(place.timeZone);
      const key = `${place.region} ${majority}`;
      const group = groups.get(key) ?? new Set<string>();
      for (const z of others) group.add(z);
      groups.set(key, group);
    }
    for (const [key, others] of groups) {
      const to = widened.get(key);
      if (others.size === 0) {
        expect(to, key).toBeUndefined();
        continue;
      }
      const zones = timeZoneList(to ?? "");
      expect(zones[0], key).toBe(key.split(" ")[1]);
      expect(
        [...others].every((z) => zones.includes(z)),
        key,
      ).toBe(true);
    }
    expect([...widened.keys()].every((k) => groups.has(k))).toBe(true);
  });
});
