import { phoneChannels, type TContactChannel } from "./contact-channel.js";
import { normalizeAddress } from "./normalize-address.js";
import type { TCreateContactRequest } from "./routes.schema.js";

/**
 * The identities a create request names, each with the request field it came from: `identities` as given,
 * then `phone` as an sms identity (unless the same number is already among them on a phone channel: a
 * number is one person on sms, whatsapp and voice), then `email`. An invalid phone or email is a 400
 * naming `phone` or `email`.
 */
export function requestedIdentities(b: TCreateContactRequest): {
  identities: { channel: TContactChannel; address: string }[];
  fields: string[];
} {
  const identities = [...(b.identities ?? [])];
  const fields = identities.map((_, i) => `identities[${i}].address`);
  if (b.phone !== undefined) {
    const phone = normalizeAddress("sms", b.phone, "phone", { assignedOnly: true });
    const known = identities.some((i) => {
      if (!phoneChannels.includes(i.channel)) return false;
      try {
        return normalizeAddress(i.channel, i.address).address === phone.address;
      } catch {
        return false;
      }
    });
    if (!known) {
      identities.push({ channel: "sms", address: phone.address });
      fields.push("phone");
    }
  }
  if (b.email !== undefined) {
    identities.push({ channel: "email", address: normalizeAddress("email", b.email, "email").address });
    fields.push("email");
  }
  return { identities, fields };
}
