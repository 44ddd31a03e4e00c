-- Provider ids can carry personal identifiers: a Telegram dedupe key holds the chat id (the user's id), an
-- Instagram postback without a mid is keyed by the sender's IGSID, a wamid is the number base64-encoded.
-- So an inbound message is de-duplicated on a keyed hash of its dedupe key (dedupe_index: HMAC-SHA256
-- with the workspace's blind-index key) and the id it replies to is sealed with the workspace key
-- (reply_to_sealed); neither id is stored in the clear any more.
--
-- SQL cannot compute either (the keys are wrapped by the master key, outside the database), so rows
-- written before this migration keep their plain ids until the inbound backfill converts them
-- (backfill-provider-ids.ts: startProviderIdBackfill, scheduler role); meanwhile a redelivery of such a
-- message is still found by its plain id. What SQL can do without a key is done here: a Telegram reply's
-- id is cut to the message id within the chat, as the adapter now writes it.
alter table inbound_messages
  add column dedupe_index text,
  add column reply_to_sealed text,
  alter column provider_message_id drop not null;
create unique index inbound_messages_dedupe on inbound_messages (workspace_id, channel_account_id, dedupe_index);
-- The rows the backfill still has to convert (empty once it has run: new rows never have plain ids).
create index inbound_messages_plain_ids on inbound_messages (id)
  where provider_message_id is not null or reply_to_provider_message_id is not null;

update inbound_messages set reply_to_provider_message_id =
    substr(reply_to_provider_message_id, strpos(reply_to_provider_message_id, ':') + 1)
where channel = 'telegram' and reply_to_provider_message_id ~ '^-?[0-9]+:[0-9]+$';
