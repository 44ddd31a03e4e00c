import {
  defaultRateLimits,
  type TProviderId,
  type TRateLimit,
  type TRateLimitKey,
} from "../channels/index.js";

const TOLL_FREE = /^\+1(800|833|844|855|866|877|888)\d{7}$/;
const SHORT_CODE = /^\d{5,6}$/;

/** Which documented Twilio throughput applies to a sender address. */
function twilioVariant(address: string | null): TRateLimitKey {
  if (address === null) return "twilio";
  const plain = address.replace(/^whatsapp:/, "");
  if (SHORT_CODE.test(plain)) return "twilio:short-code";
  if (TOLL_FREE.test(plain)) return "twilio:toll-free";
  return "twilio:long-code";
}

/**
 * The rate limit of a new sender: the provider's documented default (Twilio by number type: long code
 * 1 segment/s, toll-free 3/s, short code 100/s), overridden by what the caller gives.
 */
export function resolveRateLimit(
  providerId: TProviderId,
  address: string | null,
  override: { perSecond?: number | undefined; perRecipientPerSecond?: number | undefined } | undefined,
): Required<Pick<TRateLimit, "perSecond">> & {
  perRecipientPerSecond: number | null;
  unit: "message" | "segment";
} {
  const key: TRateLimitKey = providerId === "twilio" ? twilioVariant(address) : providerId;
  const base = defaultRateLimits[key];
  return {
    perSecond: override?.perSecond ?? base.perSecond,
    perRecipientPerSecond: override?.perRecipientPerSecond ?? base.perRecipientPerSecond ?? null,
    unit: base.unit ?? "message",
  };
}
