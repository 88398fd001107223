// The oldest events of a queue not yet settled and not handed to the job queue since
// $queuedBefore.
MATCH (e:ChangeEvent {queue: $queue})
WHERE e.settled IS NULL AND (e.queued IS NULL OR e.queued < $queuedBefore)
RETURN e.id AS id, e.payload AS payload, e.created AS created
ORDER BY e.created, e.id
LIMIT $limit
