const BIRTH_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Age below which a contact gets no marketing (GDPR 8: 16, the strictest EU default). */
export const MINOR_AGE = 16;

/**
 * When a contact born on `birthDate` (YYYY-MM-DD) stops being a minor: 12:00 UTC on the 16th birthday,
 * when that date has begun in every time zone (29 February births turn 16 on 1 March). Null when the text
 * is not a real calendar date.
 */
export function minorUntil(birthDate: string): Date | null {
  const m = BIRTH_DATE.exec(birthDate);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const born = new Date(Date.UTC(y, mo - 1, d));
  if (born.getUTCFullYear() !== y || born.getUTCMonth() !== mo - 1 || born.getUTCDate() !== d) return null;
  return new Date(Date.UTC(y + MINOR_AGE, mo - 1, d, 12));
}
