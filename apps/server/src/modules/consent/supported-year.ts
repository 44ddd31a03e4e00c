/** The first year a timestamp of the consent API may name (nothing Assent records is older). */
export const MIN_YEAR = 1900;

/**
 * Whether an ISO date or date-time (`YYYY-…`, four-digit year) names a year Assent takes: from MIN_YEAR on.
 * Postgres cannot store year 0 (`0000-…` is 1 BC), and no consent, expiry or decision time is older.
 * Read from the text (the year as written), without building a Date.
 */
export function supportedYear(iso: string): boolean {
  const year = Number(iso.slice(0, 4));
  return Number.isInteger(year) && year >= MIN_YEAR;
}
