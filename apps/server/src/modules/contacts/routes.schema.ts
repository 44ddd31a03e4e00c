import { z } from "zod";
import { ZListQuery } from "../../core/pagination.js";
import { ZContactChannel } from "./contact-channel.js";
import { canonicalLocale, isTimeZone } from "./contact-profile.js";
import { minorUntil } from "./minor-until.js";

const ZAddress = z.string().min(1).max(256);
/** A public id: anything else cannot name a row, and is refused before SQL sees it. */
const ZId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, "not an id");
/** Free text: Postgres text cannot hold NUL characters. */
const ZText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((v) => !v.includes("\u0000"), "must not contain NUL characters");
const ZTimeZone = z.string().max(64).refine(isTimeZone, "must be an IANA time zone such as Europe/Paris");
const ZLocale = z
  .string()
  .max(35)
  .refine((v) => canonicalLocale(v) !== null, "must be a BCP-47 locale such as es-MX");

/** YYYY-MM-DD, a real past date (the contact is a minor, for marketing, until 16). */
const ZBirthDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date (YYYY-MM-DD)")
  .refine((v) => minorUntil(v) !== null, "must be a real calendar date")
  .refine((v) => v >= "1900-01-01" && Date.parse(`${v}T00:00:00Z`) <= Date.now(), "must be a past date");

export const ZIdentityInput = z.object({ channel: ZContactChannel, address: ZAddress }).strict();

export const ZCreateContactRequest = z
  .object({
    identities: z.array(ZIdentityInput).min(1).max(10).optional(),
    phone: ZAddress.optional().describe(
      "A phone number in international format (+…), normalised to E.164. Stored as one sms identity; a phone number is found on sms, whatsapp and voice alike.",
    ),
    email: ZAddress.optional().describe("An email address (stored lowercased) as an email identity."),
    name: ZText(200).optional().describe("The contact's name: the same as displayName (give one of them)."),
    displayName: ZText(200).optional(),
    locale: ZLocale.optional(),
    timeZone: ZTimeZone.optional(),
    minor: z.boolean().optional(),
    birthDate: ZBirthDate.optional(),
  })
  .strict()
  .refine((b) => b.name === undefined || b.displayName === undefined, {
    message: "give name or displayName, not both",
    path: ["name"],
  })
  .refine((b) => b.identities !== undefined || b.phone !== undefined || b.email !== undefined, {
    message: "a contact needs a phone, an email or identities",
    path: ["identities"],
  });
export type TCreateContactRequest = z.infer<typeof ZCreateContactRequest>;

export const ZUpdateContactRequest = z
  .object({
    displayName: ZText(200).nullable().optional(),
    locale: ZLocale.nullable().optional(),
    timeZone: ZTimeZone.nullable().optional(),
    minor: z.boolean().optional(),
    birthDate: ZBirthDate.nullable().optional(),
    /** GDPR Art. 18: a restricted contact gets nothing. Setting or lifting it needs privacy:admin. */
    restricted: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "give at least one field to change");

export const ZContactsQuery = ZListQuery.extend({
  cursor: ZId.optional(),
  channel: ZContactChannel.optional(),
  address: ZAddress.optional(),
}).refine((q) => q.address === undefined || q.channel !== undefined, {
  message: "channel is required with address",
  path: ["channel"],
});

export const ZContactParams = z.object({ id: ZId });
