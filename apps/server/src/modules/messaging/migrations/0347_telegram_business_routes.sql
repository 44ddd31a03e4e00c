-- Telegram Business: a customer who writes to a business account that connected the bot is answered on
-- that connection (sendMessage with business_connection_id), not from the bot's own chat, which the
-- customer may never have started. The connection of a contact's latest inbound message on a sender is
-- kept with its customer window (null: the bot's own chat), and the connections themselves, as Telegram
-- reports them (connected, changed, disconnected), in telegram_business_connections.
alter table customer_windows add column business_connection_id text;

create table telegram_business_connections (
  workspace_id text not null,
  channel_account_id text not null,
  business_connection_id text not null,
  -- The business user's private chat with the bot.
  user_chat_id text not null,
  enabled boolean not null,
  can_reply boolean not null,
  changed_at timestamptz not null,
  primary key (channel_account_id, business_connection_id)
);
select assent_enable_rls('telegram_business_connections');
