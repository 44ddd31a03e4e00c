import type { TProviderId } from "./channel-adapter.js";

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function jsonOf(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Which channel account an UNVERIFIED webhook claims to be for, so the route can load that account's
 * credentials and then verify the signature. Meta allows one callback URL per app, so WhatsApp and
 * Instagram webhooks for several accounts share a URL:
 * - whatsapp-cloud: every `metadata.phone_number_id` in the body;
 * - instagram: every `entry[].id` (the IG account id);
 * - twilio: the `AccountSid` form field;
 * - telegram-bot, sandbox, fake: none (route by URL: one webhook URL per account).
 * Never throws; returns [] for anything it cannot read. Trust nothing here before verifyWebhook.
 */
export function webhookRoutingKeys(providerId: TProviderId, rawBody: Buffer): string[] {
  const keys = new Set<string>();
  if (providerId === "whatsapp-cloud" || providerId === "instagram") {
    for (const entry of asArray(asRecord(jsonOf(rawBody))?.entry)) {
      const record = asRecord(entry);
      if (providerId === "instagram") {
        const id = record?.id;
        if (typeof id === "string" || typeof id === "number") keys.add(String(id));
        continue;
      }
      for (const change of asArray(record?.changes)) {
        const id = asRecord(asRecord(asRecord(change)?.value)?.metadata)?.phone_number_id;
        if (typeof id === "string") keys.add(id);
      }
    }
  } else if (providerId === "twilio") {
    const sid = new URLSearchParams(rawBody.toString("utf8")).get("AccountSid");
    if (sid !== null && sid !== "") keys.add(sid);
  }
  return [...keys];
}
