// Records the outcome of one delivery of event $id to the target $target (a hash of its URL):
// delivered, or failed for good. Once every target of $targets has an outcome the event is
// settled at $at. The first SET takes the node's write lock, so the lists read after it are
// the latest: deliveries of one event to several URLs settle concurrently without losing one.
MATCH (e:ChangeEvent {id: $id})
SET e.lastOutcome = $at
WITH e, coalesce(e.deliveredTo, []) AS delivered, coalesce(e.failedTo, []) AS failed
WITH e,
     CASE WHEN NOT $failed AND NOT $target IN delivered THEN delivered + $target ELSE delivered END AS delivered,
     CASE WHEN $failed AND NOT $target IN failed THEN failed + $target ELSE failed END AS failed
SET e.deliveredTo = delivered,
    e.failedTo = failed,
    e.settled = CASE
      WHEN e.settled IS NULL AND all(t IN $targets WHERE t IN delivered OR t IN failed) THEN $at
      ELSE e.settled END
RETURN count(e) AS recorded
