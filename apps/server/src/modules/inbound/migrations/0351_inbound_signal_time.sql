-- The provider's time of the newest consent signal (an opt-out or an opt-in, typed or switched) this
-- contact sent the brand. Providers deliver out of order and retry late: an opt-in older than it is
-- stale and lifts nothing (an opt-out always applies).
alter table inbound_contact_state add column last_signal_at timestamptz;
