import type { TBackoff } from "./job-types.js";

/** Delay before retry `retry` (1-based) under a backoff policy, jittered; `random` is in [0, 1). */
export function retryDelay(backoff: TBackoff, retry: number, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(retry));
  let base: number;
  if (backoff.type === "schedule") {
    const list = backoff.delaysMs;
    base = list.length === 0 ? 0 : (list[Math.min(n, list.length) - 1] ?? 0);
  } else {
    const raw = backoff.baseMs * (backoff.factor ?? 2) ** (n - 1);
    base = Math.min(raw, backoff.maxMs ?? Number.POSITIVE_INFINITY);
  }
  const jitter = Math.min(Math.max(backoff.jitter ?? 0.1, 0), 1);
  return Math.max(0, Math.round(base * (1 - jitter + 2 * jitter * random())));
}
