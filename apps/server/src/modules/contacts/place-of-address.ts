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
 * Parsing a number costs tens of microseconds and the dispatcher asks for every marketing send: recent
 * answers are kept by channel and text (null for an address that is not a phone number, or not one that
 * parses: the caller then falls back to what the contact tells).
 */
const places = new Map<TContactChannel, Map<string, TAddressPlace | null>>();
const MAX_PLACES = 10_000;

/** The place of an address on a channel when it is a phone number (sms, voice, whatsapp by number), else null. */
export function placeOfAddress(channel: TContactChannel, address: string): TAddressPlace | null {
  let known = places.get(channel);
  if (!known) {
    known = new Map();
    places.set(channel, known);
  }
  const found = known.get(address);
  if (found !== undefined) return found;
  let place: TAddressPlace | null = null;
  try {
    const n = normalizeAddress(channel, address);
    if (n.kind === "phone") place = { country: n.country, region: n.region, timeZone: n.timeZone };
  } catch {
    place = null;
  }
  if (known.size >= MAX_PLACES) known.clear();
  known.set(address, place);
  return place;
}
