-- The decision facts of (workspace, contact, brand) triples in one function call (read-decision-facts.ts).
-- A PL/pgSQL function keeps its statements' plans for the session, so a batch of decisions no longer pays
-- the parse and planning of the facts statement (and of the head locks) each time, and the locks and the
-- read are one round trip. Runs with the caller's rights: row-level security applies as to the statements
-- it replaces.
--
-- With p_lock, every contact's consent head is share-locked first, in (workspace, contact) order; heads
-- missing are created (a no-op for ids that are no contact) and then locked, in the same order. The function
-- is VOLATILE, so under READ COMMITTED each of its statements takes a fresh snapshot: the facts are read
-- after the locks were granted and include every opt-out committed before (opt-outs take the heads FOR
-- UPDATE). Returns one JSON text: {"facts": [...], "grants": [...]}, one facts row per distinct triple.
create or replace function assent_decision_facts(p_ws text[], p_contacts text[], p_brands text[],
  p_lock boolean, p_genesis text)
returns text
language plpgsql volatile as $$
declare
  locked_ws text[];
  locked_ids text[];
  missing_ws text[];
  missing_ids text[];
  answer text;
begin
  if p_lock then
    select coalesce(array_agg(l.workspace_id), '{}'), coalesce(array_agg(l.contact_id), '{}')
      into locked_ws, locked_ids
    from (select h.workspace_id, h.contact_id from consent_heads h
      join (select distinct u.ws, u.id from unnest(p_ws, p_contacts) as u(ws, id)) u
        on h.workspace_id = u.ws and h.contact_id = u.id
      order by h.workspace_id, h.contact_id
      for share of h) l;
    select coalesce(array_agg(p.ws), '{}'), coalesce(array_agg(p.id), '{}') into missing_ws, missing_ids
    from (select distinct u.ws, u.id from unnest(p_ws, p_contacts) as u(ws, id)) p
    where not exists (select 1 from unnest(locked_ws, locked_ids) as l(ws, id) where l.ws = p.ws and l.id = p.id);
    if cardinality(missing_ws) > 0 then
      -- First decision for these contacts: create their heads, then lock them.
      insert into consent_heads (workspace_id, contact_id, seq, hash, updated_at)
      select c.workspace_id, c.id, 0, p_genesis, now()
      from unnest(missing_ws, missing_ids) as u(ws, id)
      join contacts c on c.workspace_id = u.ws and c.id = u.id
      order by 1, 2
      on conflict do nothing;
      perform 1 from consent_heads h
        join unnest(missing_ws, missing_ids) as u(ws, id) on h.workspace_id = u.ws and h.contact_id = u.id
        order by h.workspace_id, h.contact_id
        for share of h;
    end if;
  end if;
  with u as (
    select * from unnest(p_ws, p_contacts, p_brands) as u(ws, contact_id, brand_id))
  select json_build_object(
    'facts', (select coalesce(json_agg(f), '[]') from (
      select u.ws, u.contact_id, u.brand_id, c.id is not null as contact_found, c.erased_at, c.restricted_at,
        c.minor, c.minor_until, c.time_zone, c.phone_time_zone, c.country, c.region,
        b.id is not null as brand_found, b.settings -> 'quietHours' as quiet_hours, s.opt_out_all_entry_id,
        s.opt_out_marketing_entry_id
      from u
      left join contacts c on c.workspace_id = u.ws and c.id = u.contact_id
      left join brands b on b.workspace_id = u.ws and b.id = u.brand_id
      left join consent_suppressions s
        on s.workspace_id = u.ws and s.contact_id = u.contact_id and s.brand_id = u.brand_id) f),
    'grants', (select coalesce(json_agg(g), '[]') from (
      select g.workspace_id, g.id, g.contact_id, g.brand_id, g.campaign_id, g.category, g.channels, g.basis,
        g.status, g.effective_at, g.expires_at, g.confirm_by, g.confirmed_entry_id, g.withdrawn_entry_id
      from u join consent_grants g
        on g.workspace_id = u.ws and g.contact_id = u.contact_id and g.brand_id = u.brand_id) g)
  )::text into answer;
  return answer;
end $$;
