/**
 * Exponential backoff with jitter for attempt `n` (1-based): base·2^(n−1), capped, then a random
 * point in its upper half so that retries of a burst spread out.
 */
export function backoffMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
