-- Recurring jobs (retention sweeps, reminders): one row per job name. A worker that finds next_run_at due
-- moves it one period ahead and enqueues the job in the same transaction, so each period runs once however
-- many workers and processes there are.
create table job_schedules (
  name text primary key,
  every_ms bigint not null check (every_ms > 0),
  next_run_at timestamptz not null,
  updated_at timestamptz not null default now()
);
