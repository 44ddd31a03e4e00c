-- Sessions: idle expiry (last_seen_at) and row-level security. A session names the workspace it is
-- working in; it is read and written only through system transactions (the cookie is resolved before
-- any workspace is known), so RLS here is pure defence in depth.
alter table sessions add column last_seen_at timestamptz not null default now();
create index sessions_user_live on sessions (user_id) where revoked_at is null;
select assent_enable_rls('sessions');

-- TOTP replay protection: the time-step counter of the last code accepted for this user.
alter table users add column totp_last_counter bigint;

-- An invitation carries the invited email sealed under the user-email platform key, so that accepting
-- it can create the account without asking for the address again.
alter table invitations add column email_sealed text;
create unique index invitations_one_pending on invitations (workspace_id, email_index) where accepted_at is null;
create index invitations_ws on invitations (workspace_id, id);

create index memberships_user on memberships (user_id);
create index memberships_ws on memberships (workspace_id, id);
