/**
 * The pace of one sender, kept by the worker that holds the sender's lease.
 *
 * Up to EXACT_LIMIT units per window it is a sliding-window log in which a send occupies its slot from
 * the moment it starts until `window` after the provider answered: the provider received it somewhere
 * in between, so however long or uneven the network and the provider take, no window of that length
 * at the provider ever sees more than the limit (the burst is at most one window's worth, sent at once).
 * The window is the nominal second plus a small guard. A message of more units than the capacity (a
 * long SMS on a 1 segment/s number) waits for an empty window and then holds the sender for as long as
 * its units take at the nominal rate. Above EXACT_LIMIT (fake and sandbox senders, very fast accounts) a
 * token bucket of one window's capacity is used instead.
 */
export const EXACT_LIMIT = 2_000;
export const WINDOW_GUARD_MS = 50;

export class SendRateLimiter {
  readonly capacity: number;
  readonly windowMs: number;
  private readonly exact: boolean;
  /** Units started and not answered yet: they count against every window until they finish. */
  private inflight = 0;
  /** When answered sends finished, ascending (one entry per unit). */
  private readonly done: number[] = [];
  private head = 0;
  private blockedUntil = 0;
  private tokens: number;
  private tokensAt = 0;

  constructor(
    readonly perSecond: number,
    guardMs = WINDOW_GUARD_MS,
  ) {
    if (!(perSecond > 0)) throw new Error("perSecond must be positive");
    this.capacity = perSecond >= 1 ? Math.floor(perSecond) : 1;
    this.windowMs = (1000 * this.capacity) / perSecond + guardMs;
    this.exact = this.capacity <= EXACT_LIMIT;
    this.tokens = this.capacity;
  }

  private count(now: number): number {
    const from = now - this.windowMs;
    while (this.head < this.done.length && (this.done[this.head] ?? 0) <= from) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.done.length) {
      this.done.splice(0, this.head);
      this.head = 0;
    }
    return this.inflight + this.done.length - this.head;
  }

  private refill(now: number): void {
    if (now > this.tokensAt) {
      this.tokens = Math.min(
        this.capacity,
        this.tokens + ((now - this.tokensAt) * this.capacity) / this.windowMs,
      );
      this.tokensAt = now;
    }
  }

  /** Units that may start right now. */
  available(now: number): number {
    if (now < this.blockedUntil) return 0;
    if (!this.exact) {
      this.refill(now);
      return Math.floor(this.tokens);
    }
    return Math.max(0, this.capacity - this.count(now));
  }

  /** Milliseconds until `units` may start (0: now). While sends are in flight the answer is a short poll. */
  waitFor(units: number, now: number): number {
    const blocked = Math.max(0, this.blockedUntil - now);
    if (!this.exact) {
      this.refill(now);
      const need = Math.min(units, this.capacity) - this.tokens;
      return Math.max(blocked, need <= 0 ? 0 : Math.ceil((need * this.windowMs) / this.capacity));
    }
    const count = this.count(now);
    const over = units > this.capacity ? count : count + units - this.capacity;
    if (over <= 0) return blocked;
    const answered = this.done.length - this.head;
    if (over > answered) return Math.max(blocked, 10);
    const expiring = this.done[this.head + over - 1] ?? now;
    return Math.max(blocked, Math.ceil(expiring + this.windowMs - now) + 1);
  }

  /** A send of `units` starts now (call only when waitFor answered 0); `finish` it when answered. */
  take(units: number, now: number): void {
    if (!this.exact) {
      this.refill(now);
      this.tokens -= Math.min(units, this.capacity);
      return;
    }
    this.inflight += units;
    if (units > this.capacity)
      this.blockedUntil = now + ((units - this.capacity) * this.windowMs) / this.capacity;
  }

  /** The provider answered (or the call failed) at `at`. */
  finish(units: number, at: number): void {
    if (!this.exact) return;
    this.inflight = Math.max(0, this.inflight - units);
    let i = this.done.length;
    while (i > this.head && (this.done[i - 1] ?? 0) > at) i -= 1;
    this.done.splice(i, 0, ...Array.from({ length: units }, () => at));
  }

  /** The provider asked us to slow down (RATE_LIMITED with Retry-After). */
  pauseUntil(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until);
  }

  /**
   * Until when nothing may start (a provider's pause, or a long message holding the sender); 0 when that
   * is over at `now`. Handed to the next holder with the lease, restored there with `pauseUntil`.
   */
  pausedUntil(now: number): number {
    return this.blockedUntil > now ? this.blockedUntil : 0;
  }

  /** Finish times still inside the window: handed to the next holder when the lease is released. */
  snapshot(now: number): number[] {
    if (!this.exact) return [];
    this.count(now);
    return this.done.slice(this.head);
  }

  restore(times: readonly number[], now: number): void {
    if (!this.exact) return;
    for (const t of [...times].sort((a, b) => a - b))
      if (t > now - this.windowMs && t <= now + this.windowMs) this.done.push(t);
  }
}

/**
 * Per-recipient pacing of one sender (WhatsApp pair rate, Telegram 1/s per chat). Like the sender's
 * window, a recipient's next slot is counted from when the provider answered the previous send.
 */
export class RecipientPacer {
  readonly intervalMs: number;
  private readonly next = new Map<string, number>();

  constructor(perRecipientPerSecond: number, guardMs = WINDOW_GUARD_MS) {
    this.intervalMs = 1000 / perRecipientPerSecond + guardMs;
  }

  /** When this recipient may get the next message (≤ now: at once; Infinity: one is in flight). */
  nextAt(recipient: string): number {
    return this.next.get(recipient) ?? 0;
  }

  /** A message to this recipient is claimed: nothing more until it is answered. Returns the previous state. */
  begin(recipient: string): number | undefined {
    const previous = this.next.get(recipient);
    this.next.set(recipient, Number.POSITIVE_INFINITY);
    return previous;
  }

  /** The claimed message was not sent after all. */
  cancel(recipient: string, previous: number | undefined): void {
    if (previous === undefined) this.next.delete(recipient);
    else this.next.set(recipient, previous);
  }

  finish(recipient: string, at: number): void {
    this.next.set(recipient, at + this.intervalMs);
    if (this.next.size > 100_000) this.prune(at);
  }

  prune(now: number): void {
    for (const [k, v] of this.next) if (v <= now) this.next.delete(k);
  }

  snapshot(now: number): Record<string, number> {
    this.prune(now);
    return Object.fromEntries([...this.next].filter(([, v]) => Number.isFinite(v)));
  }

  restore(state: Record<string, unknown>, now: number): void {
    for (const [k, v] of Object.entries(state)) if (typeof v === "number" && v > now) this.next.set(k, v);
  }
}
