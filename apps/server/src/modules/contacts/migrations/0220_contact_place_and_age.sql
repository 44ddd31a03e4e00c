-- Where the first phone number puts the contact: the IANA zone of its area code (North America, majority
-- zone of the area code) or of its country. Quiet hours use it when the contact has no time_zone of its own.
-- Contacts created before this migration keep null here, and quiet hours stay conservative for them.
alter table contacts add column phone_time_zone text;

-- Date of birth, sealed with the workspace key (personal data). minor_until is what decisions read: the
-- moment the contact turns 16 everywhere on earth (12:00 UTC on the 16th birthday); no marketing before it.
alter table contacts add column birth_date_sealed text;
alter table contacts add column minor_until timestamptz;
