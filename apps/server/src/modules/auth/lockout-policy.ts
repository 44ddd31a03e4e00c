import { AppError } from "../../core/errors.js";

/** Consecutive failures (wrong password or wrong MFA code) before an account locks. */
export const LOCK_AFTER_FAILURES = 5;
/** First lock; each further failure after a lock doubles it. */
export const LOCK_BASE_MS = 60_000;
/** Longest lock. */
export const LOCK_MAX_MS = 60 * 60_000;

/**
 * How long an account locks after its `failures`-th consecutive failure: nothing before the fifth, then
 * 1 min, 2 min, 4 min … capped at 1 h.
 */
export function lockDuration(failures: number): number | null {
  if (failures < LOCK_AFTER_FAILURES) return null;
  return Math.min(LOCK_BASE_MS * 2 ** Math.min(failures - LOCK_AFTER_FAILURES, 30), LOCK_MAX_MS);
}

/** 423 `locked` with the retry time while `lockedUntil` is in the future. */
export function assertNotLocked(lockedUntil: Date | null, now: Date): void {
  if (lockedUntil === null || lockedUntil.getTime() <= now.getTime()) return;
  const retryAfterSeconds = Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000);
  throw new AppError("locked", {
    message: `too many failed attempts; try again in ${retryAfterSeconds} s`,
    details: { retryAfterSeconds, lockedUntil: lockedUntil.toISOString() },
  });
}
