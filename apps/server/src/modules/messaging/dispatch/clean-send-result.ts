import type { TSendResultItem } from "./record-send-results.js";

/** Longest provider texts kept (UTF-16 units, cut on a code point boundary). */
const MAX_ERROR_MESSAGE = 1_000;
const MAX_ERROR_CODE = 100;
const MAX_PROVIDER_MESSAGE_ID = 256;
/** Largest value of an int column. */
const MAX_INT = 2_147_483_647;
/** 10000-01-01T00:00:00Z: later (or invalid) provider times are not stored as they are. */
const MAX_TIME_MS = 253_402_300_800_000;

/** Any half of a surrogate pair (found in any text with an emoji: the slow path then checks pairs). */
const SURROGATE = /[\uD800-\uDFFF]/;
/** Half of a surrogate pair standing alone (what String.prototype.isWellFormed looks for). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A provider's text as Postgres can store it, in text and in jsonb: no U+0000 (neither takes it), no lone
 * surrogate (jsonb refuses one; a provider's text cut at a UTF-16 unit count leaves half an emoji), at
 * most `max` UTF-16 units without splitting a pair. Text that needs none of this is answered as it is.
 */
function cleanText(text: string, max: number): string {
  if (text.length <= max && !SURROGATE.test(text) && !text.includes("\u0000")) return text;
  let clean = text.replaceAll("\u0000", "").replace(LONE_SURROGATE, "\uFFFD");
  if (clean.length > max) {
    const last = clean.charCodeAt(max - 1);
    clean = clean.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
  }
  return clean;
}

function validTime(at: Date): boolean {
  const ms = at.getTime();
  return Number.isFinite(ms) && ms > 0 && ms < MAX_TIME_MS;
}

const cleanOrNull = (text: string | null, max: number): string | null =>
  text === null ? null : cleanText(text, max);

/**
 * A send result with every value the provider supplied made storable (see cleanText; segments a
 * positive int or none, the acceptance and retry times real times or `now`), so that one provider's odd answer
 * can never make a whole batch of results unrecordable. Results that need nothing are answered as they are.
 */
export function cleanSendResult(item: TSendResultItem, now: Date): TSendResultItem {
  if (item.kind === "sent") {
    const pid = cleanText(item.providerMessageId, MAX_PROVIDER_MESSAGE_ID);
    const atOk = validTime(item.acceptedAt);
    const segs = item.segments;
    const segsOk = segs === undefined || (Number.isInteger(segs) && segs > 0 && segs <= MAX_INT);
    if (pid === item.providerMessageId && atOk && segsOk) return item;
    return {
      ...item,
      providerMessageId: pid,
      acceptedAt: atOk ? item.acceptedAt : now,
      segments: segsOk ? segs : undefined,
    };
  }
  const errorCode = cleanOrNull(item.errorCode, MAX_ERROR_CODE);
  const errorMessage = cleanOrNull(item.errorMessage, MAX_ERROR_MESSAGE);
  // A retry's due time comes from the provider's Retry-After: one that is no time at all is due now.
  const dueOk = item.kind !== "retry" || validTime(item.dueAt);
  if (errorCode === item.errorCode && errorMessage === item.errorMessage && dueOk) return item;
  if (item.kind === "retry") return { ...item, errorCode, errorMessage, dueAt: dueOk ? item.dueAt : now };
  return { ...item, errorCode, errorMessage };
}
