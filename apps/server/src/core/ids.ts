import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export const idPrefixes = [
  "ws",
  "brd",
  "cmp",
  "ctc",
  "msg",
  "cns",
  "usr",
  "mem",
  "key",
  "ses",
  "aud",
  "evt",
  "chn",
  "whk",
  "whd",
  "req",
  "err",
  "imp",
  "idn",
  "inv",
  "job",
  "sbx",
  "inb",
] as const;
export type TIdPrefix = (typeof idPrefixes)[number];

let lastTime = 0;
let lastRandom: Buffer = Buffer.alloc(10);

function encodeTime(ms: number): string {
  let out = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(bytes: Buffer): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(value >>> bits) & 31];
    }
  }
  return out;
}

function incremented(bytes: Buffer): Buffer {
  const next = Buffer.from(bytes);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] !== 255) {
      next[i] = (next[i] ?? 0) + 1;
      return next;
    }
    next[i] = 0;
  }
  return next;
}

/** A prefixed, time-sortable identifier (ULID layout, lowercase Crockford base32): `msg_01j…`. */
export function newId(prefix: TIdPrefix): string {
  const now = Date.now();
  if (now <= lastTime) {
    lastRandom = incremented(lastRandom);
  } else {
    lastTime = now;
    lastRandom = randomBytes(10);
  }
  return `${prefix}_${encodeTime(lastTime)}${encodeRandom(lastRandom)}`;
}

/** True when `id` looks like an id of that prefix (used to answer 404 early on malformed ids). */
export function isId(prefix: TIdPrefix, id: string): boolean {
  return (
    id.length === prefix.length + 27 &&
    id.startsWith(`${prefix}_`) &&
    /^[0-9a-z]+$/.test(id.slice(prefix.length + 1))
  );
}
