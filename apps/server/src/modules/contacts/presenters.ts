import { z } from "zod";
import { ZContactChannel } from "./contact-channel.js";
import type { TContactView } from "./get-contacts.js";
import { timeZoneList } from "./time-zone-list.js";

export const ZContact = z.object({
  id: z.string(),
  displayName: z.string().nullable(),
  locale: z.string().nullable(),
  timeZone: z.string().nullable(),
  country: z.string().nullable(),
  region: z.string().nullable(),
  /** The zone inferred from the first phone number (area code or country): the most populous when it spans several. */
  inferredTimeZone: z.string().nullable(),
  /**
   * Every zone the first phone number may ring in (several when its area code spans zones, as Florida's
   * 850): without a `timeZone`, a marketing send must fall inside the sending window in each of them.
   */
  inferredTimeZones: z.array(z.string()),
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
    inferredTimeZone: c.phoneTimeZone === null ? null : (timeZoneList(c.phoneTimeZone)[0] ?? null),
    inferredTimeZones: c.phoneTimeZone === null ? [] : [...timeZoneList(c.phoneTimeZone)],
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
