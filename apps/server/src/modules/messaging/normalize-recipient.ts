import { normalizeAddress } from "./ports.js";

/** Parsing phone numbers is the costliest step of a send request; repeated recipients hit this cache. */
const MAX_ENTRIES = 50_000;
const cache = new Map<string, string>();

/** The canonical form of a recipient address (contacts' normalizeAddress; invalid → invalid_address naming `field`). */
export function normalizeRecipient(
  channel: Parameters<typeof normalizeAddress>[0],
  raw: string,
  field: string,
): string {
  const key = `${channel}\u0001${raw}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const address = normalizeAddress(channel, raw, field).address;
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(key, address);
  return address;
}
