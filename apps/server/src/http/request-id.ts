import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
/** 16 random base32 characters (80 bits) drawn once per process: request ids of two processes never meet. */
const processPart = Array.from(randomBytes(16), (b) => ALPHABET[b & 31]).join("");
let counter = 0;

/**
 * A request id (`req_` + 26 characters, the shape of our other ids): the process's random part and a
 * counter. Unique without a random draw per request, which the hook of every request cannot afford; it
 * is not time-sortable and not secret (it is echoed in `x-request-id`), only unique.
 */
export function newRequestId(): string {
  counter = (counter + 1) % 2 ** 50;
  return `req_${processPart}${counter.toString(32).padStart(10, "0")}`;
}
