-- Contacts: the people a workspace talks to. Personal fields are sealed (AES-256-GCM, per-workspace key);
-- channel addresses are found through keyed blind indexes, never by their plaintext.
create table contacts (
  id text primary key,
  workspace_id text not null references workspaces(id),
  display_name_sealed text,
  locale text,
  -- IANA zone given by the workspace; quiet hours use it before anything inferred from the number.
  time_zone text,
  -- ISO 3166-1 country and, where messaging rules differ inside it, ISO 3166-2 region, derived from the
  -- first phone number (never from sandbox addresses).
  country text,
  region text,
  minor boolean not null default false,
  restricted_at timestamptz,
  erased_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (workspace_id, id)
);
select assent_enable_rls('contacts');

-- One row per address of a contact on a channel. A phone number is indexed under the kind "phone" on
-- sms, whatsapp and voice alike, which is how one person's channels meet in one contact.
create table contact_identities (
  id text primary key,
  workspace_id text not null,
  contact_id text not null,
  channel text not null check (channel in ('sms','whatsapp','telegram','instagram','sandbox','voice','email')),
  kind text not null check (kind in ('phone','wa_bsuid','telegram','igsid','email','sandbox')),
  address_index text not null,
  address_sealed text,
  created_at timestamptz not null,
  unique (workspace_id, channel, address_index),
  foreign key (workspace_id, contact_id) references contacts (workspace_id, id)
);
create index contact_identities_contact on contact_identities (workspace_id, contact_id);
create index contact_identities_kind on contact_identities (workspace_id, kind, address_index);
select assent_enable_rls('contact_identities');
