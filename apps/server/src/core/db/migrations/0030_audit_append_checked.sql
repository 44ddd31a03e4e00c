-- assent_audit_append with the caller's check done in the database, for a statement that COMMITs in the
-- same round trip (core/db/tx.ts commitWith): the caller can then no longer roll back after reading the
-- new head. The chain is sha256(prev_hash || '[' || seq || ',' || rest); prev_hash and seq are ASCII, so
-- the database's chain is the one the caller computes exactly when each `rest` reached the database as the
-- same UTF-8 bytes: the caller sends the sha256 of each, and any difference raises (the transaction, and
-- the COMMIT queued behind it, fail). Same result as assent_audit_append.
create or replace function assent_audit_append_checked(
  ws text, ids text[], ats text[], actor_types text[], actor_ids text[], actions text[],
  target_types text[], target_ids text[], request_ids text[], details text[], rests text[],
  rest_hashes text[])
returns table (start_seq bigint, start_hash text, end_seq bigint, end_hash text)
language plpgsql as $$
begin
  if coalesce(array_length(rests, 1), 0) <> coalesce(array_length(rest_hashes, 1), 0) then
    raise exception 'audit events and their hashes differ in number';
  end if;
  for n in 1 .. coalesce(array_length(rests, 1), 0) loop
    if encode(sha256(convert_to(rests[n], 'UTF8')), 'hex') is distinct from rest_hashes[n] then
      raise exception 'audit event % reached the database altered', ids[n];
    end if;
  end loop;
  return query select * from assent_audit_append(ws, ids, ats, actor_types, actor_ids, actions,
    target_types, target_ids, request_ids, details, rests);
end $$;
