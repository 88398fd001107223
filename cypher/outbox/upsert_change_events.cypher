// Stores the change events of a write in the write's own transaction (the outbox). An event
// already stored (the same change computed by a retried transaction) is left as it is.
UNWIND $events AS row
MERGE (e:ChangeEvent {id: row.id})
  ON CREATE SET e.queue = row.queue, e.payload = row.payload, e.created = row.created
RETURN count(e) AS written
