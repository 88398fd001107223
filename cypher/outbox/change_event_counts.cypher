// The state of a queue's outbox: events waiting for delivery (and the oldest one's creation),
// and settled events that some target refused or never acknowledged.
MATCH (e:ChangeEvent {queue: $queue})
RETURN count(CASE WHEN e.settled IS NULL THEN 1 END) AS pending,
       min(CASE WHEN e.settled IS NULL THEN e.created END) AS oldestPending,
       count(CASE WHEN e.settled IS NOT NULL AND size(coalesce(e.failedTo, [])) > 0 THEN 1 END) AS failed
