import type { TContactChannel } from "./contact-channel.js";
import { normalizeAddress } from "./normalize-address.js";

/** Where a phone number rings, as its numbering plan tells. */
export interface TAddressPlace {
  country: string | null;
  region: string | null;
  timeZone: string | null;
}

/**
 * Parsing a number costs tens of microseconds and the dispatcher asks for every marketing send: recent
 * answers are kept by channel and text (null for an address that is not a phone number, or not one that
 * parses: the caller then falls back to what the contact tells).
 */
const places = new Map<string, TAddressPlace | null>();
const MAX_PLACES = 10_000;

/** The place of an address on a channel when it is a phone number (sms, voice, whatsapp by number), else null. */
export function placeOfAddress(channel: TContactChannel, address: string): TAddressPlace | null {
  const key = `${channel}\u0000${address}`;
  const known = places.get(key);
  if (known !== undefined) return known;
  let place: TAddressPlace | null = null;
  try {
    const n = normalizeAddress(channel, address);
    if (n.kind === "phone") place = { country: n.country, region: n.region, timeZone: n.timeZone };
  } catch {
    place = null;
  }
  if (places.size >= MAX_PLACES) places.clear();
  places.set(key, place);
  return place;
}
