-- StatusCallbacks are delivered in order per message: a callback is claimed only while no earlier one of
-- the same message is waiting for a retry (deliver-twilio-callbacks.ts). This index finds a message's
-- undelivered callbacks.
create index twilio_status_callbacks_message on twilio_status_callbacks (message_id, id) where delivered_at is null;
