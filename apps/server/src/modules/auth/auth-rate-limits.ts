/**
 * Per-IP limits of the public and code-checking routes (in-process memory store; behind a proxy the IP
 * comes from X-Forwarded-For, see docs/auth.md). Per-account lockout is separate: lockout-policy.ts.
 */
export const authRateLimits = {
  signup: { max: 10, timeWindow: 60 * 60_000 },
  login: { max: 20, timeWindow: 60_000 },
  acceptInvitation: { max: 20, timeWindow: 60_000 },
  mfa: { max: 20, timeWindow: 60_000 },
} as const;
