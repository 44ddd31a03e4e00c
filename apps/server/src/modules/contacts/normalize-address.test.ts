import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors.js";
import { contactChannels } from "./contact-channel.js";
import { normalizeAddress } from "./normalize-address.js";

describe("normalizeAddress", () => {
  it("puts phone numbers in E.164 with their country, and North American ones in their state and zone", () => {
    expect(normalizeAddress("sms", "+1 (415) 555-2671")).toEqual({
      address: "+14155552671",
      kind: "phone",
      country: "US",
      region: "US-CA",
      timeZone: "America/Los_Angeles",
    });
    expect(normalizeAddress("voice", "0033 6 12 34 56 78")).toMatchObject({
      address: "+33612345678",
      country: "FR",
      region: null,
      timeZone: "Europe/Paris",
    });
    expect(normalizeAddress("sms", "+13055551234")).toMatchObject({
      country: "US",
      region: "US-FL",
      timeZone: "America/New_York",
    });
    // 850 spans Central (Pensacola) and Eastern (Tallahassee): both, the most populous first.
    expect(normalizeAddress("sms", "+18505551234")).toMatchObject({
      region: "US-FL",
      timeZone: "America/Chicago America/New_York",
    });
    expect(normalizeAddress("sms", "+14105551234")).toMatchObject({ region: "US-MD" });
    expect(normalizeAddress("sms", "+14165551234")).toMatchObject({
      country: "CA",
      region: "CA-ON",
      timeZone: "America/Toronto",
    });
    expect(normalizeAddress("sms", "+17875551234")).toMatchObject({
      country: "PR",
      region: "US-PR",
      timeZone: "America/Puerto_Rico",
    });
    expect(normalizeAddress("sms", "+18765551234")).toMatchObject({
      country: "JM",
      region: null,
      timeZone: "America/Jamaica",
    });
    // A NANP area code with no place (here a non-geographic one) is still treated as US (the stricter
    // rules apply), zone unknown.
    expect(normalizeAddress("sms", "+15212345678")).toMatchObject({
      address: "+15212345678",
      country: "US",
      region: null,
      timeZone: null,
    });
    // Toll-free numbers could ring anywhere.
    expect(normalizeAddress("sms", "+18005551234")).toMatchObject({ region: null, timeZone: null });
  });

  it("refuses numbers typed in through the API that no numbering plan assigns; takes them from providers and the sandbox", () => {
    for (const [channel, raw] of [
      ["sms", "+1 000 000 0000"],
      ["sms", "+1 555 123 4567"],
      ["voice", "+1 999 123 4567"],
      ["whatsapp", "+33 0 00 00 00 00"],
      ["whatsapp", "15551234567"],
    ] as const) {
      let error: unknown;
      try {
        normalizeAddress(channel, raw, "phone", { assignedOnly: true });
      } catch (e) {
        error = e;
      }
      expect(error, raw).toMatchObject({ code: "invalid_address", field: "phone" });
    }
    // A provider reporting a sender (a STOP must never be lost to lagging numbering data), and a look-up,
    // take any possible number; fictional numbers are what the sandbox is for.
    expect(normalizeAddress("sms", "+1 555 123 4567", "from")).toMatchObject({ address: "+15551234567" });
    expect(normalizeAddress("whatsapp", "15551234567", "from")).toMatchObject({ address: "+15551234567" });
    expect(normalizeAddress("sandbox", "+1 555 123 4567", "to", { assignedOnly: true })).toMatchObject({
      address: "+15551234567",
    });
  });

  it("accepts WhatsApp wa_id digits and user ids (BSUID)", () => {
    expect(normalizeAddress("whatsapp", "14155552671")).toMatchObject({
      address: "+14155552671",
      kind: "phone",
    });
    expect(normalizeAddress("whatsapp", "+14155552671")).toMatchObject({
      address: "+14155552671",
      kind: "phone",
    });
    expect(normalizeAddress("whatsapp", "US.1349120865530274")).toEqual({
      address: "US.1349120865530274",
      kind: "wa_bsuid",
      country: null,
      region: null,
      timeZone: null,
    });
  });

  it("keeps channel ids, lowercases email and keeps odd sandbox addresses as given", () => {
    expect(normalizeAddress("telegram", " -100123456 ")).toMatchObject({
      address: "-100123456",
      kind: "telegram",
    });
    expect(normalizeAddress("instagram", "17841400000000")).toMatchObject({
      address: "17841400000000",
      kind: "igsid",
    });
    expect(normalizeAddress("email", " Ada@Example.COM ")).toMatchObject({
      address: "ada@example.com",
      kind: "email",
    });
    expect(normalizeAddress("sandbox", "+1 415 555 2671")).toEqual({
      address: "+14155552671",
      kind: "sandbox",
      country: null,
      region: null,
      timeZone: null,
    });
    expect(normalizeAddress("sandbox", "alice-phone")).toMatchObject({
      address: "alice-phone",
      kind: "sandbox",
    });
  });

  it("refuses what is not an address, naming the field", () => {
    const bad: [Parameters<typeof normalizeAddress>[0], string][] = [
      ["sms", "4155552671"],
      ["sms", "+123"],
      ["sms", "hello"],
      ["whatsapp", "+12"],
      ["whatsapp", "not an id!"],
      ["telegram", "abc"],
      ["instagram", "@user"],
      ["email", "nope"],
      ["sandbox", "   "],
      ["sms", `+1${"5".repeat(300)}`],
    ];
    for (const [channel, address] of bad) {
      let caught: unknown;
      try {
        normalizeAddress(channel, address, "to");
      } catch (error) {
        caught = error;
      }
      expect(caught, `${channel} ${address}`).toBeInstanceOf(AppError);
      expect(caught).toMatchObject({ code: "invalid_address", field: "to" });
    }
  });

  it("either normalises idempotently or throws invalid_address, for any input", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...contactChannels),
        fc.oneof(fc.string(), fc.stringMatching(/^\+?[0-9 ()-]{0,20}$/)),
        (channel, raw) => {
          try {
            const first = normalizeAddress(channel, raw);
            expect(normalizeAddress(channel, first.address)).toEqual(first);
          } catch (error) {
            expect(error).toBeInstanceOf(AppError);
            expect((error as AppError).code).toBe("invalid_address");
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
