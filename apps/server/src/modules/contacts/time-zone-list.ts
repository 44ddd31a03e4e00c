/**
 * The zones a place's time zone text names: one IANA zone, or several separated by spaces when the
 * number's area code spans zones (the most populous first; see nanp-area-codes.ts). Lists are interned:
 * the same text gives the same frozen array, so quiet hours read them on every decision without
 * allocating.
 */
const lists = new Map<string, readonly string[]>();
const MAX_LISTS = 1024;

export function timeZoneList(zones: string): readonly string[] {
  const known = lists.get(zones);
  if (known) return known;
  const list = Object.freeze(zones.split(" ").filter((z) => z.length > 0));
  if (lists.size >= MAX_LISTS) lists.clear();
  lists.set(zones, list);
  return list;
}
