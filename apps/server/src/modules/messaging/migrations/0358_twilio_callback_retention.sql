-- Twilio StatusCallbacks are not kept forever (twilio/purge-twilio-callbacks.ts, an hourly job):
--  * a delivered or given-up callback is deleted once older than the retention (30 days, as the customer
--    webhooks' delivery log). This index finds them, oldest first; pending callbacks are not in it.
create index twilio_status_callbacks_finished on twilio_status_callbacks (created_at)
  where delivered_at is not null or next_attempt_at = 'infinity'::timestamptz;

--  * the sealed secret of an API key signs callbacks only while that key is live. Revoking the key gives up
--    its pending callbacks (Twilio stops signing with a token that is gone; the receiver could no longer
--    check the signature) and deletes the secret, in the revocation's own transaction (RLS: the revoking
--    workspace's rows only). The hourly purge deletes the secrets of keys expired, revoked or gone since.
create index twilio_status_callbacks_pending_key on twilio_status_callbacks (api_key_id) where delivered_at is null;

create or replace function assent_forget_twilio_callback_key() returns trigger language plpgsql as $$
begin
  update twilio_status_callbacks set next_attempt_at = 'infinity'::timestamptz, last_error = 'API key revoked'
    where api_key_id = new.id and workspace_id = new.workspace_id and delivered_at is null
      and next_attempt_at <> 'infinity'::timestamptz;
  delete from twilio_callback_keys where api_key_id = new.id and workspace_id = new.workspace_id;
  return null;
end $$;

create trigger api_key_revoked_forgets_twilio_callback_key after update of revoked_at on api_keys
  for each row when (old.revoked_at is null and new.revoked_at is not null)
  execute function assent_forget_twilio_callback_key();
