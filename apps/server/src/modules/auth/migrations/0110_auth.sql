-- People. Users are global (one login, many workspaces); the email is stored encrypted under the
-- platform key and found through a blind index.
create table users (
  id text primary key,
  email_index text not null unique,
  email_sealed text not null,
  password_hash text not null,
  totp_secret_sealed text,
  totp_enabled boolean not null default false,
  recovery_codes jsonb not null default '[]'::jsonb,
  failed_logins integer not null default 0,
  locked_until timestamptz,
  sessions_valid_after timestamptz not null default now(),
  created_at timestamptz not null default now()
);

create table memberships (
  id text primary key,
  workspace_id text not null references workspaces(id),
  user_id text not null references users(id),
  role text not null check (role in ('owner','admin','agent','compliance','developer')),
  created_at timestamptz not null default now(),
  unique (workspace_id, user_id)
);
select assent_enable_rls('memberships');

create table invitations (
  id text primary key,
  workspace_id text not null references workspaces(id),
  email_index text not null,
  role text not null,
  token_hash text not null unique,
  invited_by text,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  created_at timestamptz not null default now()
);
select assent_enable_rls('invitations');

create table sessions (
  id text primary key,
  token_hash text not null unique,
  user_id text not null references users(id),
  workspace_id text,
  csrf_token text not null,
  mfa_passed boolean not null default false,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz
);

create table api_keys (
  id text primary key,
  workspace_id text not null references workspaces(id),
  name text not null,
  prefix text not null,
  secret_hash text not null unique,
  scopes text[] not null,
  created_by text,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz not null default now()
);
create index api_keys_ws on api_keys (workspace_id, id);
select assent_enable_rls('api_keys');
