import type { TProviderId } from "../channels/index.js";

/**
 * Providers whose message ids can carry personal data, stored only as a keyed hash and sealed (migration
 * 0354): a WhatsApp Cloud wamid is the recipient's number base64-encoded; an Instagram message id is an
 * opaque record that names the conversation thread with the person, as linkable to them as their IGSID.
 * The others' ids name no one: Twilio SIDs are random, a Telegram message id is a counter within the chat
 * (migration 0352), the sandbox's and the fake provider's are made from our message id. Stored as they
 * are, at no cost on the send path.
 */
const PERSONAL: ReadonlySet<TProviderId> = new Set<TProviderId>(["whatsapp-cloud", "instagram"]);

/** Provider message ids of this provider are kept hashed and sealed, never in the clear. */
export function providerIdsArePersonal(providerId: TProviderId): boolean {
  return PERSONAL.has(providerId);
}

/** The providers of providerIdsArePersonal, for SQL (`provider_id = any(…)`). */
export const PERSONAL_ID_PROVIDERS: readonly TProviderId[] = [...PERSONAL];
