import { randomFillSync } from "node:crypto";

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
let lastTimeText = encodeTime(0);
/** Random bytes drawn 4 KiB at a time: one system call for hundreds of ids instead of one each. */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

function randomTen(): Buffer {
  if (poolAt + 10 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const out = Buffer.from(pool.subarray(poolAt, poolAt + 10));
  poolAt += 10;
  return out;
}
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

/** Adds one to the big-endian number in `bytes`, in place (the buffer is this module's own). */
function increment(bytes: Buffer): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] !== 255) {
      bytes[i] = (bytes[i] ?? 0) + 1;
      return;
    }
    bytes[i] = 0;
  }
}

/** A prefixed, time-sortable identifier (ULID layout, lowercase Crockford base32): `msg_01j…`. */
export function newId(prefix: TIdPrefix): string {
  const now = Date.now();
  if (now <= lastTime) {
    increment(lastRandom);
  } else {
    lastTime = now;
    lastTimeText = encodeTime(now);
    lastRandom = randomTen();
  }
  return `${prefix}_${lastTimeText}${encodeRandom(lastRandom)}`;
}

/** True when `id` looks like an id of that prefix (used to answer 404 early on malformed ids). */
export function isId(prefix: TIdPrefix, id: string): boolean {
  return (
    id.length === prefix.length + 27 &&
    id.startsWith(`${prefix}_`) &&
    /^[0-9a-z]+$/.test(id.slice(prefix.length + 1))
  );
}
