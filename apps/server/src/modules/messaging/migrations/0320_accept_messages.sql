-- The send path's insert in one function call (accept-message-batch.ts): the messages of a group commit,
-- given as one JSON array of rows, their `accepted` timeline events and, when asked and something became
-- due, the dispatcher wake-up. A PL/pgSQL function keeps its statement's plan for the session, so a batch
-- no longer pays the parse and planning of a large statement each time. Rows whose Idempotency-Key is
-- already stored are skipped (the caller answers them with the stored message). Returns the ids inserted,
-- as a JSON array. Runs with the caller's rights: row-level security applies as to the statement it replaces.
create or replace function assent_accept_messages(p_rows json, p_at timestamptz, p_notify boolean)
returns json
language plpgsql as $$
declare
  inserted json;
  any_queued boolean;
begin
  with src as materialized (
    select * from json_to_recordset(p_rows) as t(id text, ws text, brand text, campaign text, contact text,
      channel text, account text, category text, source text, status text, reason text, not_before timestamptz,
      due_at timestamptz, kind text, content text, segments integer, ikey text, rhash text, ledger text[],
      tsid text, callback text, ckey text, details jsonb)),
  ins as (
    insert into messages (id, workspace_id, brand_id, campaign_id, contact_id, channel, channel_account_id,
      category, source, status, reason, accept_status, accept_reason, not_before, due_at, content_kind,
      content_sealed, segments, idempotency_key, request_hash, decision_ledger_ids, twilio_sid,
      status_callback_url, callback_key_id, created_at, updated_at)
    select s.id, s.ws, s.brand, s.campaign, s.contact, s.channel, s.account, s.category, s.source, s.status,
      s.reason, s.status, s.reason, s.not_before, s.due_at, s.kind, s.content, s.segments, s.ikey, s.rhash,
      coalesce(s.ledger, '{}'), s.tsid, s.callback, s.ckey, p_at, p_at
    from src s
    on conflict (workspace_id, idempotency_key) where idempotency_key is not null do nothing
    returning id, workspace_id, status, reason),
  ev as (
    insert into message_events (workspace_id, message_id, type, at, reason, details)
    select ins.workspace_id, ins.id, 'accepted', p_at, ins.reason, s.details
    from ins join src s on s.id = ins.id)
  select coalesce(json_agg(ins.id), '[]'::json), coalesce(bool_or(ins.status = 'queued'), false)
    into inserted, any_queued
  from ins;
  if p_notify and any_queued then
    perform pg_notify('assent_dispatch', '');
  end if;
  return inserted;
end $$;
