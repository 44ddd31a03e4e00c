export { addContactIdentity } from "./add-contact-identity.js";
export { CONTACT_CHANGES_CHANNEL, contactChanges, type TContactChangeListener } from "./contact-changes.js";
export {
  contactChannels,
  phoneChannels,
  type TContactChannel,
  type TIdentityKind,
  ZContactChannel,
} from "./contact-channel.js";
export { contactExists } from "./contact-exists.js";
export { canonicalLocale, isTimeZone } from "./contact-profile.js";
export { contactIdentities, contactLinks, contacts } from "./contacts.tables.js";
export { createContact, type TCreateContactOptions } from "./create-contact.js";
export { findContactsByIdentity } from "./find-contacts-by-identity.js";
export { findLinkedContacts } from "./find-linked-contacts.js";
export { getContact } from "./get-contact.js";
export { getContactAddress } from "./get-contact-address.js";
export { getContactAddresses } from "./get-contact-addresses.js";
export { getContacts, type TContactIdentityView, type TContactView } from "./get-contacts.js";
export { linkContacts, type TContactLinkReason } from "./link-contacts.js";
export { listContacts } from "./list-contacts.js";
export { lockAddresses } from "./lock-addresses.js";
export { MINOR_AGE, minorUntil } from "./minor-until.js";
export { normalizeAddress, type TNormalizedAddress } from "./normalize-address.js";
export { placeOfAddress, type TAddressPlace } from "./place-of-address.js";
export { presentContact, type TContactJson, ZContact } from "./presenters.js";
export {
  resolveContactByAddress,
  type TResolveContactOptions,
  type TResolvedContact,
} from "./resolve-contact-by-address.js";
export { contactRoutes } from "./routes.js";
export { timeZoneList } from "./time-zone-list.js";
export { type TContactChanges, updateContact } from "./update-contact.js";
