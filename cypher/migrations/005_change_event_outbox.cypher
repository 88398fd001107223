// The change-event outbox (docs/webhooks.md): one :ChangeEvent per event, written in the
// transaction of the write it describes, looked up by id and swept per delivery queue.
CREATE CONSTRAINT change_event_id_unique IF NOT EXISTS FOR (e:ChangeEvent) REQUIRE e.id IS UNIQUE;
CREATE INDEX change_event_queue IF NOT EXISTS FOR (e:ChangeEvent) ON (e.queue);
