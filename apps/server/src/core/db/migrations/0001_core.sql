-- The unprivileged role every application statement runs as (SET LOCAL ROLE in each transaction),
-- so row-level security applies even when the connecting user owns the tables.
do $$ begin
  if not exists (select 1 from pg_roles where rolname = 'assent_app') then
    create role assent_app nologin;
  end if;
end $$;
do $$ begin
  execute format('grant assent_app to %I', current_user);
exception when others then null;
end $$;

-- Enable and force row-level security on a tenant table: a row is visible only inside its workspace
-- (app.workspace_id) or to an explicit system transaction (app.bypass_rls = on).
create or replace function assent_enable_rls(t regclass) returns void language plpgsql as $$
begin
  execute format('alter table %s enable row level security', t);
  execute format('alter table %s force row level security', t);
  execute format('drop policy if exists tenant_isolation on %s', t);
  execute format($p$create policy tenant_isolation on %s
    using (workspace_id = current_setting('app.workspace_id', true)
           or current_setting('app.bypass_rls', true) = 'on')
    with check (workspace_id = current_setting('app.workspace_id', true)
           or current_setting('app.bypass_rls', true) = 'on')$p$, t);
end $$;

-- Append-only tables refuse UPDATE and DELETE whoever asks.
create or replace function assent_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'table % is append-only', tg_table_name using errcode = '55000';
end $$;

create or replace function assent_make_append_only(t regclass) returns void language plpgsql as $$
begin
  execute format('create trigger append_only before update or delete on %s
    for each row execute function assent_refuse_change()', t);
  execute format('create trigger append_only_truncate before truncate on %s
    for each statement execute function assent_refuse_change()', t);
end $$;

-- Per-workspace data keys, wrapped (AES-256-GCM) by the master key.
create table workspace_keys (
  workspace_id text not null,
  version integer not null,
  wrapped_key text not null,
  created_at timestamptz not null default now(),
  primary key (workspace_id, version)
);
select assent_enable_rls('workspace_keys');

-- Platform-level keys (e.g. the cross-workspace identity hash key), wrapped by the master key.
create table platform_keys (
  name text primary key,
  wrapped_key text not null,
  created_at timestamptz not null default now()
);

-- Hash-chained audit log: hash = sha256(prev_hash || canonical event). No personal data.
create table audit_log (
  workspace_id text not null,
  seq bigint not null,
  id text not null unique,
  at timestamptz not null,
  actor_type text not null,
  actor_id text,
  action text not null,
  target_type text,
  target_id text,
  request_id text,
  details jsonb not null default '{}'::jsonb,
  prev_hash text not null,
  hash text not null,
  primary key (workspace_id, seq)
);
create index audit_log_action on audit_log (workspace_id, action, at);
select assent_enable_rls('audit_log');
select assent_make_append_only('audit_log');

create table audit_heads (
  workspace_id text primary key,
  seq bigint not null,
  hash text not null
);
select assent_enable_rls('audit_heads');

-- Idempotency-Key replays: the first answer of a POST is kept and returned again.
create table idempotency_keys (
  workspace_id text not null,
  key text not null,
  route text not null,
  request_hash text not null,
  status_code integer not null,
  response jsonb not null,
  created_at timestamptz not null default now(),
  primary key (workspace_id, key)
);
select assent_enable_rls('idempotency_keys');
