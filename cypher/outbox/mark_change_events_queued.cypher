// Records when the delivery tasks of the events $ids were last enqueued.
UNWIND $ids AS id
MATCH (e:ChangeEvent {id: id})
SET e.queued = $at
RETURN count(e) AS marked
