import { AppError } from "../../core/errors.js";
import { commonPasswords } from "./common-passwords.js";

/** Minimum and maximum password length (the maximum bounds the cost of hashing a hostile input). */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

const RUNS = ["0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm"];

/** One repeated character, or a stretch of a (cyclic, either direction) keyboard or alphabet run. */
function isRun(value: string): boolean {
  if (new Set(value).size === 1) return true;
  for (const run of RUNS) {
    for (const r of [run, [...run].reverse().join("")]) {
      if (r.repeat(Math.ceil(value.length / r.length) + 1).includes(value)) return true;
    }
  }
  return false;
}

/**
 * Refuse passwords that are too short, too long, on the common-password list, one repeated character
 * or a plain run (`abcdefghijkl`, `98765432109876`, `qwertyuiopqw`). 400 naming `password`.
 */
export function assertPasswordPolicy(password: string): void {
  const fail = (message: string): never => {
    throw new AppError("validation_failed", { message, field: "password" });
  };
  if (password.length < PASSWORD_MIN) fail(`password must be at least ${PASSWORD_MIN} characters`);
  if (password.length > PASSWORD_MAX) fail(`password must be at most ${PASSWORD_MAX} characters`);
  const lowered = password.toLowerCase();
  if (commonPasswords.has(lowered)) fail("this password is too common; choose another");
  if (isRun(lowered)) fail("this password is too easy to guess; choose another");
}
