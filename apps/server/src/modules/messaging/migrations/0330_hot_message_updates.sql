-- Recording a send (`sending` → `sent`) updates the wide messages row in place (HOT: no new index
-- entries) instead of writing a new version into every index. Postgres can do that only when the update
-- changes no indexed column, and a column named in a partial index's predicate counts. So:
--  * the queue's partial indexes are predicated on due_at (set only while queued or scheduled) instead of
--    status; queries keep their status conditions and add `due_at is not null` (or a due_at bound);
--  * the message leases the crash recovery looks for are one row per claim (message_leases, listing the
--    message ids) instead of an index on messages.lease_until; messages.lease_until / lease_holder stay
--    (unindexed) and remain the truth about each message's lease;
--  * provider message ids are looked up in an insert-only table (message_provider_ids) instead of an index
--    on messages.provider_message_id, which stays as the row's copy for reading;
--  * pages keep room for the updated versions (fillfactor 40: a claimed row's new version is written next
--    to it, and the `sent` one replaces the queued version pruned meanwhile; at 50, 83 % of the `sent`
--    updates were HOT in the dispatch bench, at 40, 97 %). The table takes about 2.5 times the space.
-- Index keys of the new tables use the "C" collation: compared byte-wise, never through the locale.

create index messages_due_at on messages (channel_account_id, due_at) where due_at is not null;
create index messages_pending_contact_due on messages (workspace_id, contact_id) where due_at is not null;
drop index messages_due;
drop index messages_pending_contact;

create table message_leases (
  id bigint generated always as identity primary key,
  workspace_id text not null,
  channel_account_id text not null,
  holder text not null,
  lease_until timestamptz not null,
  message_ids text[] not null
);
create index message_leases_until on message_leases (lease_until);
select assent_enable_rls('message_leases');

insert into message_leases (workspace_id, channel_account_id, holder, lease_until, message_ids)
select workspace_id, channel_account_id, coalesce(lease_holder, ''), coalesce(lease_until, now()), array_agg(id)
from messages where status = 'sending'
group by workspace_id, channel_account_id, coalesce(lease_holder, ''), coalesce(lease_until, now());
drop index messages_lease;

create table message_provider_ids (
  channel_account_id text collate "C" not null,
  provider_message_id text collate "C" not null,
  message_id text not null,
  workspace_id text not null
);
create index message_provider_ids_key on message_provider_ids (channel_account_id, provider_message_id);
select assent_enable_rls('message_provider_ids');

insert into message_provider_ids (channel_account_id, provider_message_id, message_id, workspace_id)
select channel_account_id, provider_message_id, id, workspace_id from messages where provider_message_id is not null;
drop index messages_provider;

alter table messages set (fillfactor = 40);
