-- Two contacts of a workspace that a provider has named as one person: WhatsApp gave a phone number and a
-- business-scoped user id (BSUID) in one webhook, and each was already another contact's (one made from a
-- BSUID-only message). Nothing is merged; the link makes them one person to consent: an opt-out recorded
-- on either is recorded on every contact linked to it, directly or through others (consent's
-- recordOptOut). Kept in both directions (two rows per pair), so the group of a contact is one recursive
-- walk of the primary key.
create table contact_links (
  workspace_id text not null,
  contact_id text not null,
  linked_contact_id text not null,
  -- Why they are one person (only WhatsApp's number + BSUID today).
  reason text not null check (reason in ('whatsapp_user_id')),
  created_at timestamptz not null,
  primary key (workspace_id, contact_id, linked_contact_id),
  check (contact_id <> linked_contact_id),
  foreign key (workspace_id, contact_id) references contacts (workspace_id, id) on delete cascade,
  foreign key (workspace_id, linked_contact_id) references contacts (workspace_id, id) on delete cascade
);
select assent_enable_rls('contact_links');

-- An erased contact's links go with it, in the erasure's own transaction, whatever path erases it (RLS:
-- the erasing workspace's rows only). Its ledger stays as evidence; the contacts it was linked to keep
-- the opt-outs carried to them, and nothing is carried to or through it afterwards.
create or replace function assent_unlink_erased_contact() returns trigger language plpgsql as $$
begin
  delete from contact_links where workspace_id = new.workspace_id and (contact_id = new.id or linked_contact_id = new.id);
  return null;
end $$;

create trigger contact_erased_unlinks after update of erased_at on contacts
  for each row when (old.erased_at is null and new.erased_at is not null)
  execute function assent_unlink_erased_contact();
