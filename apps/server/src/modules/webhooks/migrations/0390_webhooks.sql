-- Customer webhooks: subscriptions, the events they receive (outbox), deliveries and the attempt log.

create table webhook_subscriptions (
  id text primary key,
  workspace_id text not null references workspaces(id),
  url text not null,
  events text[] not null,
  description text,
  enabled boolean not null default true,
  disabled_reason text check (disabled_reason in ('manual', 'failing')),
  -- Signing secrets, sealed with the workspace key; the previous one still signs until it expires.
  secret_sealed text not null,
  previous_secret_sealed text,
  previous_secret_expires_at timestamptz,
  -- Start of the current unbroken run of failed attempts (null after any success).
  failing_since timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index webhook_subscriptions_ws on webhook_subscriptions (workspace_id, id);
select assent_enable_rls('webhook_subscriptions');

-- One row per emitted event that at least one subscription wanted. The payload may hold personal data
-- (message.inbound carries the body), so it is sealed with the workspace key.
create table webhook_events (
  id text primary key,
  workspace_id text not null,
  type text not null,
  data_sealed text not null,
  created_at timestamptz not null
);
create index webhook_events_ws on webhook_events (workspace_id, created_at);
select assent_enable_rls('webhook_events');

-- One row per (event, subscription), and one more per replay.
create table webhook_deliveries (
  id text primary key,
  workspace_id text not null,
  subscription_id text not null references webhook_subscriptions(id) on delete cascade,
  event_id text not null references webhook_events(id) on delete cascade,
  event_type text not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  last_status_code integer,
  last_error text,
  replay_of text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
create index webhook_deliveries_sub on webhook_deliveries (workspace_id, subscription_id, id);
create index webhook_deliveries_event on webhook_deliveries (event_id);
select assent_enable_rls('webhook_deliveries');

-- The delivery log: one row per HTTP attempt. No request or response bodies.
create table webhook_attempts (
  workspace_id text not null,
  delivery_id text not null references webhook_deliveries(id) on delete cascade,
  attempt integer not null,
  at timestamptz not null,
  status_code integer,
  duration_ms integer not null,
  error text,
  next_retry_at timestamptz,
  primary key (delivery_id, attempt)
);
select assent_enable_rls('webhook_attempts');
