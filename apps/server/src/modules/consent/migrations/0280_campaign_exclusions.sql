-- A withdrawal for one campaign narrows the brand-wide grants that covered it: the person said "not this
-- campaign" and everything else they agreed to stands. A `withdraw` entry that names a campaign (and the
-- channels it withdraws) and refers to a brand-wide grant adds `campaignId:channel:entryId` to the grant's
-- `excluded` list instead of withdrawing it (fold-ledger.ts is the rule); that grant then no longer covers
-- the campaign on those channels. A later grant, for the campaign or the whole brand, is not narrowed.
-- Withdraw entries written before this migration name no campaign: nothing already recorded changes.
-- assent_decision_facts_compact (migration 0260) returns the list as the grant's 13th element (null: none).
alter table consent_grants add column excluded text[];

create or replace function assent_decision_facts_compact(p_ws text[], p_contacts text[], p_brands text[],
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
    if cardinality(locked_ws) < cardinality(p_ws) then
      select coalesce(array_agg(p.ws), '{}'), coalesce(array_agg(p.id), '{}') into missing_ws, missing_ids
      from (select distinct u.ws, u.id from unnest(p_ws, p_contacts) as u(ws, id)) p
      where not exists (select 1 from unnest(locked_ws, locked_ids) as l(ws, id) where l.ws = p.ws and l.id = p.id);
      if cardinality(missing_ws) > 0 then
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
  end if;
  select '[' || (select coalesce(json_agg(json_build_array(u.n, c.found,
        c.erased_at, c.restricted_at, c.minor, c.minor_until, c.time_zone, c.phone_time_zone, c.country, c.region,
        b.found, b.quiet_hours, s.opt_out_all_entry_id, s.opt_out_marketing_entry_id))::text, '[]')
      from unnest(p_ws, p_contacts, p_brands) with ordinality as u(ws, contact_id, brand_id, n)
      left join lateral (select true as found, floor(extract(epoch from c.erased_at) * 1000) as erased_at,
          floor(extract(epoch from c.restricted_at) * 1000) as restricted_at, c.minor,
          floor(extract(epoch from c.minor_until) * 1000) as minor_until, c.time_zone, c.phone_time_zone, c.country, c.region
        from contacts c where c.workspace_id = u.ws and c.id = u.contact_id offset 0) c on true
      left join lateral (select true as found, b.settings -> 'quietHours' as quiet_hours
        from brands b where b.workspace_id = u.ws and b.id = u.brand_id offset 0) b on true
      left join lateral (select s.opt_out_all_entry_id, s.opt_out_marketing_entry_id from consent_suppressions s
        where s.workspace_id = u.ws and s.contact_id = u.contact_id and s.brand_id = u.brand_id offset 0) s on true)
    || ',' || (select coalesce(json_agg(json_build_array(u.n, g.id, g.campaign_id, g.category, g.channels, g.basis,
        g.status, floor(extract(epoch from g.effective_at) * 1000), floor(extract(epoch from g.expires_at) * 1000),
        floor(extract(epoch from g.confirm_by) * 1000), g.confirmed_entry_id, g.withdrawn_entry_id, g.excluded))::text, '[]')
      from unnest(p_ws, p_contacts, p_brands) with ordinality as u(ws, contact_id, brand_id, n)
      cross join lateral (select * from consent_grants g
        where g.workspace_id = u.ws and g.contact_id = u.contact_id and g.brand_id = u.brand_id offset 0) g)
    || ']' into answer;
  return answer;
end $$;
