-- Append a transaction's audit events of one workspace in ONE statement (core/audit.ts calls it right
-- before COMMIT, so the chain head is locked only for this call and the commit). It takes the head
-- (creating it at genesis), chains every event — hash = sha256(prev_hash || canonical), where canonical is
-- '[' || seq || ',' || rest and `rest` is the event's canonical JSON after its sequence number, computed by
-- the caller with the same function verification uses — inserts them and moves the head. Returns the head
-- it started from and the new head, so the caller can check the chain it computed itself.
create or replace function assent_audit_append(
  ws text, ids text[], ats text[], actor_types text[], actor_ids text[], actions text[],
  target_types text[], target_ids text[], request_ids text[], details text[], rests text[])
returns table (start_seq bigint, start_hash text, end_seq bigint, end_hash text)
language plpgsql as $$
declare
  s0 bigint;
  h0 text;
  s bigint;
  h text;
  seqs bigint[] := '{}';
  prevs text[] := '{}';
  hashes text[] := '{}';
begin
  insert into audit_heads as a (workspace_id, seq, hash) values (ws, 0, repeat('0', 64))
    on conflict (workspace_id) do update set seq = a.seq
    returning a.seq, a.hash into s0, h0;
  s := s0;
  h := h0;
  for n in 1 .. coalesce(array_length(ids, 1), 0) loop
    s := s + 1;
    seqs[n] := s;
    prevs[n] := h;
    h := encode(sha256(convert_to(h || '[' || s::text || ',' || rests[n], 'UTF8')), 'hex');
    hashes[n] := h;
  end loop;
  insert into audit_log (workspace_id, seq, id, at, actor_type, actor_id, action, target_type, target_id,
    request_id, details, prev_hash, hash)
  select ws, t.sq, t.i, t.a::timestamptz, t.aty, t.aid, t.act, t.tt, t.ti, t.rid, t.d::jsonb, t.p, t.hs
  from unnest(seqs, ids, ats, actor_types, actor_ids, actions, target_types, target_ids, request_ids, details,
    prevs, hashes) as t(sq, i, a, aty, aid, act, tt, ti, rid, d, p, hs);
  update audit_heads set seq = s, hash = h where workspace_id = ws;
  return query select s0, h0, s, h;
end $$;
