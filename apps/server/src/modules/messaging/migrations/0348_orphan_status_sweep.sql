-- A status webhook that raced the recording of its message's provider id (both transactions uncommitted,
-- each unable to see the other's row) leaves an orphan that nothing applies. The dispatcher's sweep
-- (dispatch/reconcile-orphan-statuses.ts) applies recent orphans whose provider id is known by now.
create index orphan_status_events_created on orphan_status_events (created_at);
