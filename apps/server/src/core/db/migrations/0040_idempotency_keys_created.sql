-- The hourly purge of Idempotency-Key answers past their day of retention (purge-idempotency-keys.ts).
create index idempotency_keys_created on idempotency_keys (created_at);
