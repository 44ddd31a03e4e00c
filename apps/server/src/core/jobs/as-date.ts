/** A timestamp column of a raw row as a Date (drivers return Date objects or Postgres text). */
export function asDate(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(String(value));
}
