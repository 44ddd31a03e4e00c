/** True for an IANA time zone this runtime knows (`Europe/Paris`, `America/New_York`, `UTC`). */
export function isTimeZone(value: string): boolean {
  if (value.length === 0 || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The canonical BCP-47 form of a locale (`es-mx` → `es-MX`), or null when it is not one. */
export function canonicalLocale(value: string): string | null {
  if (value.length === 0 || value.length > 35) return null;
  try {
    return Intl.getCanonicalLocales(value)[0] ?? null;
  } catch {
    return null;
  }
}
