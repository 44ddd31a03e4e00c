-- Channel accounts (senders): one provider account of one brand. Credentials are sealed with the
-- workspace key; the sender address (our own number, phone number id, bot id) is not personal data.
create table channel_accounts (
  id text primary key,
  workspace_id text not null references workspaces(id),
  brand_id text not null references brands(id),
  channel text not null check (channel in ('sms','whatsapp','telegram','instagram','sandbox')),
  provider_id text not null check (provider_id in ('whatsapp-cloud','twilio','telegram-bot','instagram','sandbox','fake')),
  name text not null,
  address text,
  -- Twilio-compatible endpoint: `MessagingServiceSid` that maps to this sender.
  messaging_service_sid text,
  -- Twilio-compatible sends through this sender take this campaign's category (else marketing).
  default_campaign_id text,
  credentials_sealed text not null,
  rate_per_second double precision not null check (rate_per_second > 0),
  rate_per_recipient double precision check (rate_per_recipient > 0),
  rate_unit text not null default 'message' check (rate_unit in ('message','segment')),
  status text not null default 'active' check (status in ('active','disabled')),
  created_at timestamptz not null,
  disabled_at timestamptz
);
create index channel_accounts_ws on channel_accounts (workspace_id, brand_id, channel, id);
create index channel_accounts_address on channel_accounts (provider_id, address) where address is not null;
create unique index channel_accounts_mg on channel_accounts (workspace_id, messaging_service_sid)
  where messaging_service_sid is not null;
select assent_enable_rls('channel_accounts');

-- The outbound queue and the record of every message. Bodies, media, templates and metadata are sealed
-- (content_sealed); everything the pipeline filters on is plain.
-- (No foreign key on workspace_id: this is the hottest table, and every update would check it.)
create table messages (
  id text primary key,
  workspace_id text not null,
  brand_id text not null,
  campaign_id text,
  contact_id text not null,
  channel text not null,
  channel_account_id text not null,
  category text not null check (category in ('marketing','transactional','authentication')),
  source text not null check (source in ('api','twilio','compliance')),
  status text not null check (status in ('queued','scheduled','sending','sent','delivered','read','failed',
    'undelivered','suppressed','unknown')),
  -- Why the message is in its status (suppression reason, failure reason, quiet_hours, retry reason).
  reason text,
  -- The first answer, replayed for the same Idempotency-Key.
  accept_status text not null,
  accept_reason text,
  not_before timestamptz,
  -- When a queued or scheduled message may be claimed; null in every other status.
  due_at timestamptz,
  content_kind text not null check (content_kind in ('text','media','template')),
  content_sealed text not null,
  segments integer not null default 1,
  idempotency_key text,
  request_hash text,
  attempts integer not null default 0,
  lease_until timestamptz,
  lease_holder text,
  idempotent_send boolean,
  -- The consent decision of the latest claim (its ledger entries are in decision_ledger_ids).
  claimed_at timestamptz,
  dispatch_reason text,
  provider_message_id text,
  error_code text,
  error_message text,
  -- Ledger entries of the latest consent decision (accept time, then dispatch time).
  decision_ledger_ids text[] not null default '{}',
  in_reply_to text,
  compliance_kind text,
  twilio_sid text,
  status_callback_url text,
  callback_key_id text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  sent_at timestamptz,
  delivered_at timestamptz,
  read_at timestamptz
);
create unique index messages_idempotency on messages (workspace_id, idempotency_key) where idempotency_key is not null;
create unique index messages_in_reply_to on messages (workspace_id, in_reply_to) where in_reply_to is not null;
create unique index messages_twilio_sid on messages (twilio_sid) where twilio_sid is not null;
create index messages_due on messages (channel_account_id, due_at) where status in ('queued','scheduled');
create index messages_pending_contact on messages (workspace_id, contact_id) where status in ('queued','scheduled');
create index messages_lease on messages (lease_until) where status = 'sending';
create index messages_provider on messages (channel_account_id, provider_message_id) where provider_message_id is not null;
create index messages_ws on messages (workspace_id, id);
select assent_enable_rls('messages');

-- The timeline of each message: one row per transition, never changed.
create table message_events (
  id bigint generated always as identity primary key,
  workspace_id text not null,
  message_id text not null,
  type text not null,
  at timestamptz not null,
  reason text,
  details jsonb
);
create index message_events_message on message_events (message_id, id);
select assent_enable_rls('message_events');
select assent_make_append_only('message_events');

-- One dispatcher holds a sender at a time, so its rate limit is exact across workers. `recent` and
-- `pacing` carry the limiter state across a voluntary hand-over.
create table sender_leases (
  channel_account_id text primary key,
  workspace_id text not null,
  holder text not null,
  lease_until timestamptz not null,
  acquired_at timestamptz not null,
  recent jsonb not null default '[]'::jsonb,
  pacing jsonb not null default '{}'::jsonb
);
select assent_enable_rls('sender_leases');

-- The WhatsApp / Instagram customer-service window: the contact's last inbound message per sender.
create table customer_windows (
  workspace_id text not null,
  contact_id text not null,
  channel_account_id text not null,
  last_inbound_at timestamptz not null,
  primary key (workspace_id, channel_account_id, contact_id)
);
select assent_enable_rls('customer_windows');

-- Status events that arrived before the send that would let us find their message was recorded.
create table orphan_status_events (
  id bigint generated always as identity primary key,
  workspace_id text not null,
  channel_account_id text not null,
  provider_message_id text not null,
  status text not null,
  at timestamptz not null,
  error_code text,
  error_message text,
  created_at timestamptz not null default now()
);
create index orphan_status_events_pid on orphan_status_events (channel_account_id, provider_message_id);
select assent_enable_rls('orphan_status_events');

-- Twilio-compatible StatusCallback deliveries (outbox), signed with the API key that sent the message.
create table twilio_callback_keys (
  api_key_id text primary key,
  workspace_id text not null,
  token_sealed text not null,
  created_at timestamptz not null default now()
);
select assent_enable_rls('twilio_callback_keys');

create table twilio_status_callbacks (
  id bigint generated always as identity primary key,
  workspace_id text not null,
  message_id text not null,
  url text not null,
  -- The form fields are built at delivery time from the message (no addresses are stored here).
  status text not null,
  error_code text,
  api_key_id text not null,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  delivered_at timestamptz,
  last_error text,
  created_at timestamptz not null default now()
);
create index twilio_status_callbacks_due on twilio_status_callbacks (next_attempt_at) where delivered_at is null;
select assent_enable_rls('twilio_status_callbacks');
