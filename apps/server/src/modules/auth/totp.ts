import { Secret, TOTP } from "otpauth";

/** RFC 6238 parameters every authenticator app understands. */
export const TOTP_PERIOD = 30;
export const TOTP_DIGITS = 6;
/** Codes one step either side of now are accepted (clock drift). */
export const TOTP_WINDOW = 1;

/** A fresh 160-bit TOTP secret (base32) and its `otpauth://` URI for the authenticator app. */
export function newTotpSecret(label: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 });
  const totp = new TOTP({
    issuer: "Assent",
    label,
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD,
    secret,
  });
  return { secret: secret.base32, uri: totp.toString() };
}

/**
 * The time-step counter a code belongs to, or null when it matches no step in the window. Callers
 * refuse a counter not greater than the last one accepted (replay protection).
 */
export function totpCounterOf(base32: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const timestamp = now.getTime();
  const delta = TOTP.validate({
    token: code,
    secret: Secret.fromBase32(base32),
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD,
    timestamp,
    window: TOTP_WINDOW,
  });
  if (delta === null) return null;
  return TOTP.counter({ period: TOTP_PERIOD, timestamp }) + delta;
}
