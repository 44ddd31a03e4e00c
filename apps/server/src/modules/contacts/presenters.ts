import { z } from "zod";
import { ZContactChannel } from "./contact-channel.js";
import type { TContactView } from "./get-contacts.js";

export const ZContact = z.object({
  id: z.string(),
  displayName: z.string().nullable(),
  locale: z.string().nullable(),
  timeZone: z.string().nullable(),
  country: z.string().nullable(),
  region: z.string().nullable(),
  /** The zone inferred from the first phone number (area code or country), used when timeZone is unset. */
  inferredTimeZone: z.string().nullable(),
  minor: z.boolean(),
  birthDate: z.string().nullable(),
  restricted: z.boolean(),
  erased: z.boolean(),
  identities: z.array(
    z.object({
      id: z.string(),
      channel: ZContactChannel,
      address: z.string().nullable(),
      createdAt: z.string(),
    }),
  ),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TContactJson = z.infer<typeof ZContact>;

export function presentContact(c: TContactView): TContactJson {
  return {
    id: c.id,
    displayName: c.displayName,
    locale: c.locale,
    timeZone: c.timeZone,
    country: c.country,
    region: c.region,
    inferredTimeZone: c.phoneTimeZone,
    minor: c.minor,
    birthDate: c.birthDate,
    restricted: c.restrictedAt !== null,
    erased: c.erasedAt !== null,
    identities: c.identities.map((i) => ({
      id: i.id,
      channel: i.channel,
      address: i.address,
      createdAt: i.createdAt.toISOString(),
    })),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
