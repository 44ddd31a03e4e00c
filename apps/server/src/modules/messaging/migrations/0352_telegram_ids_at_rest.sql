-- Telegram chat ids are personal identifiers (a private chat's id is the user's id): none is kept in the
-- clear (docs/channels.md, Telegram "Ids").
--  * telegram_business_connections.user_chat_id, the business user's chat with the bot, was never read:
--    it is dropped with its values.
--  * A sent message's provider id was `<chat id>:<message id>`; it is now the message id within the
--    recipient's chat (the chat is the contact's address, sealed with the contacts). Telegram sends no
--    delivery statuses, so nothing looks these ids up; the stored ones are cut to the same form.
alter table telegram_business_connections drop column user_chat_id;

update messages m set provider_message_id = substr(m.provider_message_id, strpos(m.provider_message_id, ':') + 1)
where m.channel = 'telegram' and m.provider_message_id ~ '^-?[0-9]+:[0-9]+$'
  and exists (select 1 from channel_accounts a where a.id = m.channel_account_id and a.provider_id = 'telegram-bot');

update message_provider_ids p set provider_message_id = substr(p.provider_message_id, strpos(p.provider_message_id, ':') + 1)
where p.provider_message_id ~ '^-?[0-9]+:[0-9]+$'
  and exists (select 1 from channel_accounts a where a.id = p.channel_account_id and a.provider_id = 'telegram-bot');

update orphan_status_events o set provider_message_id = substr(o.provider_message_id, strpos(o.provider_message_id, ':') + 1)
where o.provider_message_id ~ '^-?[0-9]+:[0-9]+$'
  and exists (select 1 from channel_accounts a where a.id = o.channel_account_id and a.provider_id = 'telegram-bot');
