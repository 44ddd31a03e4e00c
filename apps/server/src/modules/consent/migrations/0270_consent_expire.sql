-- Expiry as a ledger event (issue #3). An `expire` entry refers (ref_id) to the grant that expired, or to the
-- pending double opt-in whose confirmation window lapsed; it is written by the expiry sweep at the grant's own
-- expiry instant (effective_at), actor system. Decisions still judge expiry by time, never by this entry.
alter table consent_ledger drop constraint consent_ledger_kind_check;
alter table consent_ledger add constraint consent_ledger_kind_check
  check (kind in ('grant','confirm','withdraw','opt_out','opt_in','expire')) not valid;
alter table consent_ledger validate constraint consent_ledger_kind_check;
alter table consent_ledger add constraint consent_ledger_expire_ref
  check (kind <> 'expire' or ref_id is not null) not valid;
alter table consent_ledger validate constraint consent_ledger_expire_ref;

-- At most one expire entry per grant, whoever writes it (two sweeps at once: the second one's insert fails).
create unique index consent_ledger_one_expire on consent_ledger (workspace_id, ref_id) where kind = 'expire';

-- Projection: the expire entry of a grant (null until the sweep has written it). Status is left as it is:
-- a grant's standing (active, pending, expired) is judged at read time from expires_at and confirm_by.
alter table consent_grants add column expired_entry_id text;

-- What the sweep looks for: grants not withdrawn, without an expire entry, by the instant they lapse
-- (the earlier of expires_at and, while pending, confirm_by; least() ignores nulls).
create index consent_grants_expiry_due on consent_grants
  (workspace_id, (least(expires_at, case when status = 'pending' then confirm_by end)))
  where expired_entry_id is null and status <> 'withdrawn';
