// Deletes at most $limit events of a queue settled before $before.
MATCH (e:ChangeEvent {queue: $queue})
WHERE e.settled < $before
WITH e LIMIT $limit
DETACH DELETE e
RETURN count(*) AS pruned
