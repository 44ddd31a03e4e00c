-- The send path's accept decision lives on the message row instead of in an `accepted` timeline event. The
-- event was a second row per message (heap tuple, two index entries, a JSON document parsed into jsonb) and
-- much of Postgres' work per accepted message (assent_accept_messages on 37 rows, pgbench, net of building
-- the rows: 3.2–4.2 ms with the event, 1.9–2.1 ms without). The timeline is unchanged: presentTimeline builds `accepted` +
-- `decided` (+ `scheduled` / `suppressed`) from these columns when the message has no `accepted` event, as
-- it already builds `claimed` and `sent` from the row. Messages accepted before keep their event; other
-- writers (compliance replies) still write one.
--   accept_allowed, accept_decision, accept_basis, accept_ledger_ids: the consent decision at accept
--     (allowed, its reason code, lawful basis, ledger entries); null when no decision was taken.
--   accept_not_before: when a scheduled message was due as accepted (quiet hours or scheduledAt).
-- decision_ledger_ids stays the latest decision's entries (the dispatcher overwrites it).
alter table messages
  add column accept_allowed boolean,
  add column accept_decision text,
  add column accept_basis text,
  add column accept_ledger_ids text[],
  add column accept_not_before timestamptz;

-- What a message was accepted with is a record, as the append-only event was: no UPDATE changes it (the
-- row itself can still be deleted, as a message can; no code deletes messages today).
create or replace function assent_refuse_accept_change() returns trigger language plpgsql as $$
begin
  raise exception 'the accept decision of message % never changes', old.id using errcode = '55000';
end $$;

create trigger accept_decision_fixed
  before update of accept_status, accept_reason, accept_allowed, accept_decision, accept_basis,
    accept_ledger_ids, accept_not_before, created_at
  on messages for each row
  when (old.accept_status is distinct from new.accept_status
    or old.accept_reason is distinct from new.accept_reason
    or old.accept_allowed is distinct from new.accept_allowed
    or old.accept_decision is distinct from new.accept_decision
    or old.accept_basis is distinct from new.accept_basis
    or old.accept_ledger_ids is distinct from new.accept_ledger_ids
    or old.accept_not_before is distinct from new.accept_not_before
    or old.created_at is distinct from new.created_at)
  execute function assent_refuse_accept_change();

-- As 0320, without the events: the decision travels in the row (allowed, decision, basis; ledger and
-- not_before as before). While a deploy rolls, processes still running the previous code send each row's
-- decision in `details` (0320's event details) instead: it is taken from there, so their messages keep it.
create or replace function assent_accept_messages(p_rows json, p_at timestamptz, p_notify boolean)
returns json
language plpgsql as $$
declare
  inserted json;
  any_queued boolean;
begin
  with ins as (
    insert into messages (id, workspace_id, brand_id, campaign_id, contact_id, channel, channel_account_id,
      category, source, status, reason, accept_status, accept_reason, not_before, due_at, content_kind,
      content_sealed, segments, idempotency_key, request_hash, decision_ledger_ids, twilio_sid,
      status_callback_url, callback_key_id, created_at, updated_at, accept_allowed, accept_decision,
      accept_basis, accept_ledger_ids, accept_not_before)
    select s.id, s.ws, s.brand, s.campaign, s.contact, s.channel, s.account, s.category, s.source, s.status,
      s.reason, s.status, s.reason, s.not_before, s.due_at, s.kind, s.content, s.segments, s.ikey, s.rhash,
      coalesce(s.ledger, '{}'), s.tsid, s.callback, s.ckey, p_at, p_at,
      coalesce(s.allowed, (s.details -> 'decision' ->> 'allowed')::boolean),
      coalesce(s.decision, s.details -> 'decision' ->> 'reason'),
      coalesce(s.basis, s.details -> 'decision' ->> 'basis'),
      s.ledger, s.not_before
    from json_to_recordset(p_rows) as s(id text, ws text, brand text, campaign text, contact text,
      channel text, account text, category text, source text, status text, reason text, not_before timestamptz,
      due_at timestamptz, kind text, content text, segments integer, ikey text, rhash text, ledger text[],
      tsid text, callback text, ckey text, allowed boolean, decision text, basis text, details json)
    on conflict (workspace_id, idempotency_key) where idempotency_key is not null do nothing
    returning id, status)
  select coalesce(json_agg(ins.id), '[]'::json), coalesce(bool_or(ins.status = 'queued'), false)
    into inserted, any_queued
  from ins;
  if p_notify and any_queued then
    perform pg_notify('assent_dispatch', '');
  end if;
  return inserted;
end $$;
