import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffMs } from "./backoff.js";
import { RecipientPacer, SendRateLimiter, WINDOW_GUARD_MS } from "./send-rate-limiter.js";

/** Most receipts inside any window of `ms`. */
function maxInWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while ((sorted[to] ?? 0) - (sorted[from] ?? 0) >= ms) from += 1;
    best = Math.max(best, to - from + 1);
  }
  return best;
}

describe("SendRateLimiter", () => {
  it("lets one window's worth go at once, then counts each slot from when the provider answered", () => {
    const l = new SendRateLimiter(3);
    expect(l.available(0)).toBe(3);
    for (let n = 0; n < 3; n++) l.take(1, 0);
    expect(l.available(5)).toBe(0);
    expect(l.waitFor(1, 5)).toBe(10);
    l.finish(1, 100);
    l.finish(1, 200);
    l.finish(1, 300);
    expect(l.waitFor(1, 300)).toBe(100 + 1000 + WINDOW_GUARD_MS - 300 + 1);
    expect(l.snapshot(400)).toEqual([100, 200, 300]);
    expect(l.available(100 + 1000 + WINDOW_GUARD_MS + 1)).toBe(1);
  });

  it("hands its window to the next holder", () => {
    const a = new SendRateLimiter(2);
    a.take(2, 0);
    a.finish(2, 10);
    const b = new SendRateLimiter(2);
    b.restore(a.snapshot(20), 20);
    expect(b.available(20)).toBe(0);
    expect(b.available(10 + 1000 + WINDOW_GUARD_MS + 1)).toBe(2);
  });

  it("makes a message longer than the limit wait for an empty window and hold the sender", () => {
    const l = new SendRateLimiter(1);
    l.take(1, 0);
    l.finish(1, 0);
    expect(l.waitFor(3, 10)).toBeGreaterThan(1000);
    const at = 1000 + WINDOW_GUARD_MS + 1;
    expect(l.waitFor(3, at)).toBe(0);
    l.take(3, at);
    l.finish(3, at);
    expect(l.available(at + 2 * (1000 + WINDOW_GUARD_MS) - 1)).toBe(0);
  });

  it("honours a provider's Retry-After", () => {
    const l = new SendRateLimiter(100);
    l.pauseUntil(500);
    expect(l.available(100)).toBe(0);
    expect(l.waitFor(1, 100)).toBe(400);
    expect(l.available(500)).toBe(100);
  });

  it("never lets the provider see more than the limit in any second, whatever the latency (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(
          fc.record({
            units: fc.integer({ min: 1, max: 3 }),
            latency: fc.integer({ min: 0, max: 400 }),
            arrival: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          { minLength: 1, maxLength: 80 },
        ),
        (perSecond, sends) => {
          const l = new SendRateLimiter(perSecond);
          const receipts: number[] = [];
          const pending: { at: number; units: number }[] = [];
          let now = 0;
          for (const s of sends) {
            for (;;) {
              pending.sort((a, b) => a.at - b.at);
              while (pending[0] && pending[0].at <= now) {
                const p = pending.shift();
                if (p) l.finish(p.units, p.at);
              }
              const wait = l.waitFor(s.units, now);
              if (wait === 0) break;
              now += Math.min(wait, pending[0] ? Math.max(1, pending[0].at - now) : wait);
            }
            l.take(s.units, now);
            // The provider receives the units somewhere between the start and the answer.
            for (let u = 0; u < s.units; u++) receipts.push(now + Math.floor(s.latency * s.arrival));
            pending.push({ at: now + s.latency, units: s.units });
          }
          const limit = Math.max(l.capacity, Math.max(...sends.map((s) => s.units)));
          expect(maxInWindow(receipts, 1000)).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("RecipientPacer", () => {
  it("holds a recipient while a message is in flight and spaces the next from the answer", () => {
    const p = new RecipientPacer(1);
    expect(p.nextAt("a")).toBe(0);
    const before = p.begin("a");
    expect(p.nextAt("a")).toBe(Number.POSITIVE_INFINITY);
    p.finish("a", 100);
    expect(p.nextAt("a")).toBe(100 + 1000 + WINDOW_GUARD_MS);
    p.cancel("a", before);
    expect(p.nextAt("a")).toBe(0);
    p.begin("b");
    p.finish("b", 0);
    expect(p.snapshot(10)).toEqual({ b: 1000 + WINDOW_GUARD_MS });
  });
});

describe("backoffMs", () => {
  it("doubles per attempt within its cap, jittered in the upper half", () => {
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffMs(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffMs(30, 1000, 60_000, () => 1)).toBe(60_000);
  });
});
