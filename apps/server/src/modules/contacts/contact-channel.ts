import { z } from "zod";

/** Every channel a contact can be reached on. */
export const contactChannels = [
  "sms",
  "whatsapp",
  "telegram",
  "instagram",
  "sandbox",
  "voice",
  "email",
] as const;
export type TContactChannel = (typeof contactChannels)[number];
export const ZContactChannel = z.enum(contactChannels);

/** Channels addressed by a phone number; one number on any of them is one person. */
export const phoneChannels: readonly TContactChannel[] = ["sms", "whatsapp", "voice"];

/**
 * What an address is, which is also the namespace of its blind index: a phone number is indexed as
 * `phone` whichever channel it came from, so the same number on SMS and WhatsApp finds the same contact.
 */
export type TIdentityKind = "phone" | "wa_bsuid" | "telegram" | "igsid" | "email" | "sandbox";
