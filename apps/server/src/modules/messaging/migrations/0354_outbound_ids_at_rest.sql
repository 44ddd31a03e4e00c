-- Provider message ids of outbound messages can carry personal data: a wamid (WhatsApp Cloud) is the
-- recipient's number base64-encoded, and an Instagram message id names the conversation with the person.
-- For senders of those providers (whatsapp-cloud, instagram) the id is no longer stored in the clear:
--  * message_provider_ids (what status webhooks are matched on) holds a keyed hash of it
--    (provider_message_index: HMAC-SHA256 with the workspace's blind-index key) instead of the id;
--  * the message keeps it sealed with the workspace key (messages.provider_message_sealed), for
--    `providerMessageId` in GET /v1/messages;
--  * a status kept until its message is known (orphan_status_events) holds both, hash and sealed id.
-- Other providers' ids (Twilio SIDs, Telegram message ids within a chat, ids we mint for the sandbox and
-- the fake provider) name no one and stay as they are, in provider_message_id.
--
-- SQL cannot compute either (the keys are wrapped by the master key, outside the database), so rows
-- written before this migration keep their plain ids until the messaging backfill converts them
-- (backfill-provider-message-ids.ts, run by each dispatcher once per start); meanwhile status webhooks
-- still find them by their plain ids.
--
-- No index on messages changes: the `sent` update stays HOT (migration 0330); provider_message_sealed is
-- not indexed.
alter table messages add column provider_message_sealed text;

alter table message_provider_ids
  add column provider_message_index text collate "C",
  alter column provider_message_id drop not null;
create index message_provider_ids_index on message_provider_ids (channel_account_id, provider_message_index)
  where provider_message_index is not null;

alter table orphan_status_events
  add column provider_message_index text collate "C",
  add column provider_message_sealed text,
  alter column provider_message_id drop not null;
create index orphan_status_events_index on orphan_status_events (channel_account_id, provider_message_index)
  where provider_message_index is not null;
