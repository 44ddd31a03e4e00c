/**
 * Per-row values for a batch UPDATE as one JSON object keyed by id (`$map::jsonb -> m.id`), so the rows
 * are found by primary key (`id = any(...)`) instead of a join with unnest: the join's plan depends on
 * row estimates that are wrong for queue tables (and under row-level security), the lookup never does.
 */
export function jsonMap<T extends { c: { id: string } } | { id: string }>(
  items: readonly T[],
  value: (item: T) => unknown,
): string {
  const out: Record<string, unknown> = {};
  for (const item of items) out["c" in item ? item.c.id : item.id] = value(item);
  return JSON.stringify(out);
}
