/** Characters that never need escaping in a JSON string (our ids, ISO times, enum values). */
const plain = /^[\w.:,-]*$/;
const quoted = (s: string): string => (plain.test(s) ? `"${s}"` : JSON.stringify(s));

/**
 * A flat JSON object `{ key: value }` of scalar values, for per-row values of a batch UPDATE read as
 * `$map::jsonb ->> m.id` (see json-map.ts): one lookup per row and no nested object to copy. Items
 * whose value is null are left out (the lookup then answers null). Built as text directly: this runs
 * for every message a dispatcher claims or records.
 */
export function scalarJsonMap<T>(
  items: readonly T[],
  key: (item: T) => string,
  value: (item: T) => string | number | null,
): string {
  const parts: string[] = [];
  for (const item of items) {
    const v = value(item);
    if (v === null) continue;
    parts.push(`${quoted(key(item))}:${typeof v === "number" ? JSON.stringify(v) : quoted(v)}`);
  }
  return `{${parts.join(",")}}`;
}
