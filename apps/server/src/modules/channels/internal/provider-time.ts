/** No provider of ours has a message from before 2000: an earlier time is a broken clock or payload. */
const earliestMs = Date.UTC(2000, 0, 1);
/** Far more than any provider clock drifts ahead of ours. */
const maxAheadMs = 24 * 60 * 60 * 1000;

/**
 * A provider's timestamp (Unix milliseconds) as a Date, or the time of receipt `now` when it is not a
 * sane time: not a number, before 2000, or more than a day ahead of our clock. Such a time is replaced,
 * never refused: the event (an opt-out among them) is kept, and the database is never handed a date it
 * cannot store.
 */
export function providerTime(ms: number, now: Date): Date {
  if (!Number.isFinite(ms) || ms < earliestMs || ms > now.getTime() + maxAheadMs)
    return new Date(now.getTime());
  return new Date(ms);
}
