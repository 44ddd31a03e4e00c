-- A provider's pause of a sender (RATE_LIMITED with Retry-After; or a message longer than a second's
-- allowance holding the sender) is part of the sender's rate state: kept with the lease, written while
-- the holder works and when it gives messages back or hands the sender over, and respected by the next
-- holder. No worker takes a sender before its pause ends.
alter table sender_leases add column paused_until timestamptz;
