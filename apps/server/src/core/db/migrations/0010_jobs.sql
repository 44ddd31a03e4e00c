-- The background job queue (see docs/adr/0002-jobs.md). A platform table, not a tenant table: payloads
-- carry ids only, never personal data, and jobs of every workspace are claimed by the same workers.
create table jobs (
  id text primary key,
  name text not null,
  payload jsonb not null,
  state text not null default 'pending' check (state in ('pending', 'running', 'completed', 'dead')),
  run_at timestamptz not null default now(),
  attempts integer not null default 0,
  max_attempts integer not null check (max_attempts >= 1),
  singleton_key text,
  locked_by text,
  locked_until timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
-- Claims scan only due pending jobs, oldest first.
create index jobs_due on jobs (run_at) where state = 'pending';
-- Expired leases (a worker died mid-job) are found without scanning finished jobs.
create index jobs_leases on jobs (locked_until) where state = 'running';
create index jobs_finished on jobs (finished_at) where state in ('completed', 'dead');
-- At most one pending or running job per (name, singleton key).
create unique index jobs_singleton on jobs (name, singleton_key)
  where singleton_key is not null and state in ('pending', 'running');
