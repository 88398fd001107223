// Records the outcome of one delivery of event $id to the target $target (a hash of its URL):
// delivered, or failed for good. Once every target of $targets has an outcome the event is
// settled at $at.
MATCH (e:ChangeEvent {id: $id})
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
