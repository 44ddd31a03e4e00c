-- Inbound messages received on a channel account. The provider message id de-duplicates provider
-- retries; the body, media and button payload are sealed with the workspace key. The row also keeps
-- what the intent classifier said and what Assent did about it (the evidence behind an opt-out).
create table inbound_messages (
  id text primary key,
  workspace_id text not null references workspaces(id),
  brand_id text not null,
  channel_account_id text not null,
  channel text not null,
  provider_message_id text not null,
  contact_id text not null,
  body_sealed text,
  media_sealed text,
  button_payload_sealed text,
  reply_to_provider_message_id text,
  received_at timestamptz not null,
  created_at timestamptz not null,
  intent text not null check (intent in ('opt_out','opt_out_marketing','opt_in','help','none')),
  intent_confidence double precision not null,
  intent_language text not null,
  intent_source text not null,
  intent_matched text,
  intent_uncertain boolean not null,
  action text not null,
  ledger_entry_id text,
  reply_message_id text,
  unique (workspace_id, channel_account_id, provider_message_id)
);
create index inbound_messages_contact on inbound_messages (workspace_id, contact_id, id);
select assent_enable_rls('inbound_messages');

-- Non-message provider events already applied (WhatsApp marketing preferences, Telegram block/unblock),
-- keyed by a blind index of the adapter's dedupe key (which contains the sender's address).
create table inbound_event_receipts (
  workspace_id text not null,
  channel_account_id text not null,
  dedupe_index text not null,
  kind text not null,
  received_at timestamptz not null,
  primary key (workspace_id, channel_account_id, dedupe_index)
);
select assent_enable_rls('inbound_event_receipts');

-- Per brand and contact: when the last opt-out confirmation was queued (repeat STOPs within the window
-- get no second one), and the one clarifying question awaiting an answer under the "clarify" policy.
create table inbound_contact_state (
  workspace_id text not null,
  brand_id text not null,
  contact_id text not null,
  last_opt_out_reply_at timestamptz,
  clarify_inbound_id text,
  clarify_scope text check (clarify_scope in ('all','marketing')),
  clarify_channel text,
  clarify_asked_at timestamptz,
  clarify_expires_at timestamptz,
  updated_at timestamptz not null,
  primary key (workspace_id, brand_id, contact_id)
);
create index inbound_contact_state_clarify on inbound_contact_state (clarify_expires_at)
  where clarify_expires_at is not null;
select assent_enable_rls('inbound_contact_state');

-- Reachability of a contact through one channel account (Telegram: the person blocked the bot). This
-- is not consent: the person can unblock, and the row then flips back.
create table channel_reachability (
  workspace_id text not null,
  channel_account_id text not null,
  contact_id text not null,
  unreachable boolean not null,
  reason text not null,
  changed_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (workspace_id, channel_account_id, contact_id)
);
select assent_enable_rls('channel_reachability');
