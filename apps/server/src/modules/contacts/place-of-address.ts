import type { TContactChannel } from "./contact-channel.js";
import { normalizeAddress } from "./normalize-address.js";

/** Where a phone number rings, as its numbering plan tells. */
export interface TAddressPlace {
  country: string | null;
  region: string | null;
  /** The zone, or the zones separated by spaces when the area code spans several (see normalizeAddress). */
  timeZone: string | null;
}

/**
 * Parsing a number costs about ten microseconds and the dispatcher asks for every marketing send, to
 * recipients that are mostly distinct. A North American number's place is its area code's (the table
 * places every number of an area code alike): kept per area code, so a campaign to a million US numbers
 * parses a few hundred. Other answers are kept by channel and text (null for an address that is not a
 * phone number, or not one that parses: the caller then falls back to what the contact tells).
 */
const byAreaCode = new Map<string, TAddressPlace>();
const places = new Map<TContactChannel, Map<string, TAddressPlace | null>>();
const MAX_PLACES = 10_000;
const NANP_E164 = /^\+1\d{10}$/;

function parsedPlace(channel: TContactChannel, address: string): TAddressPlace | null {
  try {
    const n = normalizeAddress(channel, address);
    return n.kind === "phone" ? { country: n.country, region: n.region, timeZone: n.timeZone } : null;
  } catch {
    return null;
  }
}

/** The place of an address on a channel when it is a phone number (sms, voice, whatsapp by number), else null. */
export function placeOfAddress(channel: TContactChannel, address: string): TAddressPlace | null {
  if (channel !== "sms" && channel !== "whatsapp" && channel !== "voice") return null;
  const nanp = NANP_E164.test(address);
  if (nanp) {
    const same = byAreaCode.get(address.slice(0, 5));
    if (same !== undefined) return same;
  }
  let known = places.get(channel);
  if (!known) {
    known = new Map();
    places.set(channel, known);
  }
  const found = known.get(address);
  if (found !== undefined) return found;
  const place = parsedPlace(channel, address);
  // Placed by the area code table (its region known): every number of that area code is placed alike.
  if (nanp && place?.region) {
    byAreaCode.set(address.slice(0, 5), place);
    return place;
  }
  if (known.size >= MAX_PLACES) known.clear();
  known.set(address, place);
  return place;
}
