create table workspaces (
  id text primary key,
  workspace_id text generated always as (id) stored,
  name text not null,
  account_sid text not null unique,
  require_mfa boolean not null default false,
  settings jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
select assent_enable_rls('workspaces');

create table brands (
  id text primary key,
  workspace_id text not null references workspaces(id),
  name text not null,
  settings jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  unique (workspace_id, name)
);
create index brands_ws on brands (workspace_id, id);
select assent_enable_rls('brands');

