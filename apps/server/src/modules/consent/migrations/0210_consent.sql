-- Campaigns: the scope a consent can be given for, below the brand ("one opt-in per campaign").
create table campaigns (
  id text primary key,
  workspace_id text not null,
  brand_id text not null references brands(id),
  name text not null,
  category text not null check (category in ('marketing','transactional','authentication')),
  channels text[] not null,
  created_at timestamptz not null,
  unique (workspace_id, brand_id, name)
);
create index campaigns_ws on campaigns (workspace_id, id);
select assent_enable_rls('campaigns');

-- One row per contact: the lock every consent write (FOR UPDATE) and every dispatch decision (FOR SHARE)
-- takes, and the head of the contact's ledger hash chain.
create table consent_heads (
  workspace_id text not null,
  contact_id text not null,
  seq bigint not null,
  hash text not null,
  updated_at timestamptz not null,
  primary key (workspace_id, contact_id),
  foreign key (workspace_id, contact_id) references contacts (workspace_id, id)
);
select assent_enable_rls('consent_heads');

-- The consent ledger: append-only, hash-chained per contact (hash = sha256(prev_hash || canonical entry)).
-- grant: a permission for brand [+ campaign], category and channels, with its evidence; pending until a
-- confirm when double opt-in applies. confirm / withdraw: refer to a grant. opt_out (scope all | marketing)
-- and opt_in: the brand-wide suppression a contact sets with one word. IP and user agent are sealed.
create table consent_ledger (
  id text primary key,
  workspace_id text not null,
  contact_id text not null,
  seq bigint not null,
  brand_id text not null references brands(id),
  kind text not null check (kind in ('grant','confirm','withdraw','opt_out','opt_in')),
  ref_id text,
  campaign_id text references campaigns(id),
  category text check (category in ('marketing','transactional','authentication')),
  channels text[],
  basis text check (basis in ('consent','contract','legitimate_interest')),
  pending boolean,
  scope text check (scope in ('all','marketing')),
  channel text,
  method text not null,
  source text,
  wording text,
  evidence jsonb not null,
  ip_sealed text,
  user_agent_sealed text,
  effective_at timestamptz not null,
  expires_at timestamptz,
  confirm_by timestamptz,
  recorded_at timestamptz not null,
  actor_type text not null,
  actor_id text,
  request_id text,
  prev_hash text not null,
  hash text not null,
  unique (workspace_id, contact_id, seq),
  foreign key (workspace_id, contact_id) references contacts (workspace_id, id)
);
create index consent_ledger_brand on consent_ledger (workspace_id, contact_id, brand_id, seq);
select assent_enable_rls('consent_ledger');
select assent_make_append_only('consent_ledger');

-- Projection: the current status of every grant, kept in step with the ledger in the same transaction
-- (`assent consent verify` checks it equals the fold of the ledger). Expiry is judged at decision time.
create table consent_grants (
  id text primary key,
  workspace_id text not null,
  contact_id text not null,
  brand_id text not null,
  campaign_id text,
  category text not null,
  channels text[] not null,
  basis text not null,
  status text not null check (status in ('pending','active','withdrawn')),
  effective_at timestamptz not null,
  expires_at timestamptz,
  confirm_by timestamptz,
  confirmed_entry_id text,
  withdrawn_entry_id text,
  updated_at timestamptz not null
);
create index consent_grants_contact on consent_grants (workspace_id, contact_id, brand_id);
select assent_enable_rls('consent_grants');

-- Projection: a contact's opt-out from a brand (the first opt-out entry still in force, per scope).
create table consent_suppressions (
  workspace_id text not null,
  contact_id text not null,
  brand_id text not null,
  opt_out_all_entry_id text,
  opt_out_marketing_entry_id text,
  updated_at timestamptz not null,
  primary key (workspace_id, contact_id, brand_id)
);
select assent_enable_rls('consent_suppressions');
