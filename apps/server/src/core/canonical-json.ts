/**
 * JSON with every object's keys in one order (sorted, at every depth; arrays keep theirs): the same
 * request written with its keys in another order hashes the same (Idempotency-Key comparisons).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
