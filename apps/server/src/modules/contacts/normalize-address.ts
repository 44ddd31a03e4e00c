import { parsePhoneNumberFromString } from "libphonenumber-js";
import { z } from "zod";
import { AppError } from "../../core/errors.js";
import type { TContactChannel, TIdentityKind } from "./contact-channel.js";
import { countryTimeZones } from "./country-time-zones.js";
import { nanpAreaCodes } from "./nanp-area-codes.js";

export interface TNormalizedAddress {
  /** The canonical form that is sealed and indexed (E.164 for phone numbers). */
  address: string;
  kind: TIdentityKind;
  /** ISO 3166-1 country of a phone number on a real phone channel, else null. */
  country: string | null;
  /** ISO 3166-2 region of a North American number, by its area code (US state, Canadian province), else null. */
  region: string | null;
  /**
   * The IANA zone the number rings in: for North American numbers the area code's zone or, when the code
   * spans several, all of them separated by spaces, the most populous first (`timeZoneList` splits it);
   * the country's primary zone for others; null when the number does not tell (toll-free, …).
   */
  timeZone: string | null;
}

const ZEmail = z.email();
const TELEGRAM_CHAT_ID = /^-?\d{1,20}$/;
const IGSID = /^\d{1,32}$/;
const BSUID = /^[A-Za-z0-9._:-]{1,256}$/;

function invalid(field: string, message: string): AppError {
  return new AppError("invalid_address", { message, field });
}

/**
 * A phone number in E.164 with where it rings. Numbers of a possible length are taken; with `assignedOnly`
 * only numbers the numbering plan assigns (`isValid`: `+1 000 000 0000` or `+1 555 123 4567` are refused).
 */
function parsePhone(
  raw: string,
  field: string,
  acceptBareDigits: boolean,
  assignedOnly: boolean,
): { e164: string; country: string | null; region: string | null; timeZone: string | null } | null {
  let text = raw.replace(/[\s().-]/g, "");
  if (text.startsWith("00")) text = `+${text.slice(2)}`;
  if (acceptBareDigits && /^\d+$/.test(text)) text = `+${text}`;
  if (!/^\+\d{4,17}$/.test(text)) return null;
  const parsed = parsePhoneNumberFromString(text);
  if (!parsed?.isPossible()) throw invalid(field, `${field} is not a possible phone number`);
  if (assignedOnly && !parsed.isValid())
    throw invalid(field, `${field} is not a valid phone number (no such number in its country's plan)`);
  const e164 = parsed.number;
  // A NANP number whose country the metadata cannot place is still treated as US: the stricter rules apply.
  const country = parsed.country ?? (parsed.countryCallingCode === "1" ? "US" : null);
  if (parsed.countryCallingCode === "1") {
    // The table places US, Canadian and US-territory numbers (PR → US-PR); Caribbean countries go by country.
    const place = nanpAreaCodes.get(e164.slice(2, 5));
    if (place && (place.region.startsWith(`${country}-`) || place.region.endsWith(`-${country}`)))
      return { e164, country, region: place.region, timeZone: place.timeZone };
    if (country === "US" || country === "CA") return { e164, country, region: null, timeZone: null };
  }
  return { e164, country, region: null, timeZone: country ? (countryTimeZones[country] ?? null) : null };
}

/**
 * The canonical form of a channel address. sms/voice: E.164; whatsapp: E.164 from `+…` or wa_id digits,
 * or a business-scoped user id (BSUID); telegram: chat id; instagram: IGSID; sandbox: E.164 when it parses,
 * else the trimmed text; email: lowercased. Anything else is `invalid_address` naming `field`.
 */
export function normalizeAddress(
  channel: TContactChannel,
  raw: string,
  field = "address",
  o: {
    /**
     * Phone numbers typed in through the API (a new contact, a new identity, a consent or an import):
     * only numbers their country's plan assigns. Addresses a provider reports, and look-ups, take any
     * possible number: the bundled numbering data lags new area codes, and a STOP must never be lost.
     * Never on the sandbox, which is for fictional numbers.
     */
    assignedOnly?: boolean;
  } = {},
): TNormalizedAddress {
  const assigned = o.assignedOnly === true;
  const text = raw.trim();
  if (text.length === 0 || text.length > 256) throw invalid(field, `${field} must be 1 to 256 characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(text))
    throw invalid(field, `${field} must not contain control characters`);
  switch (channel) {
    case "sms":
    case "voice": {
      const phone = parsePhone(text, field, false, assigned);
      if (!phone) throw invalid(field, `${field} must be a phone number in international format (+…)`);
      const { e164, ...where } = phone;
      return { address: e164, kind: "phone", ...where };
    }
    case "whatsapp": {
      const phone = parsePhone(text, field, true, assigned);
      if (phone) {
        const { e164, ...where } = phone;
        return { address: e164, kind: "phone", ...where };
      }
      if (BSUID.test(text) && /[A-Za-z]/.test(text))
        return { address: text, kind: "wa_bsuid", country: null, region: null, timeZone: null };
      throw invalid(field, `${field} must be a phone number, a wa_id or a WhatsApp user id`);
    }
    case "telegram":
      if (!TELEGRAM_CHAT_ID.test(text)) throw invalid(field, `${field} must be a Telegram chat id`);
      return { address: text, kind: "telegram", country: null, region: null, timeZone: null };
    case "instagram":
      if (!IGSID.test(text)) throw invalid(field, `${field} must be an Instagram-scoped user id`);
      return { address: text, kind: "igsid", country: null, region: null, timeZone: null };
    case "email": {
      const email = text.toLowerCase();
      if (!ZEmail.safeParse(email).success) throw invalid(field, `${field} must be an email address`);
      return { address: email, kind: "email", country: null, region: null, timeZone: null };
    }
    case "sandbox": {
      let phone: ReturnType<typeof parsePhone> = null;
      try {
        phone = parsePhone(text, field, false, false);
      } catch {
        phone = null;
      }
      return { address: phone?.e164 ?? text, kind: "sandbox", country: null, region: null, timeZone: null };
    }
  }
}
