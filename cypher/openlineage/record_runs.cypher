// Records run events of OpenLineage jobs (one row per event in $runs, no two rows of the same
// job or run): (:Job {namespace, name})-[:HAS_RUN]->(:Run {runId}). Events may arrive out of
// order and more than once: a run's state only moves forward (OTHER < START < RUNNING <
// COMPLETE, FAIL, ABORT; between equals the later eventTime wins), so a replay or a late START
// changes nothing. latest is true when the event is a COMPLETE at least as recent as the job's
// last one: only then does its lineage replace the job's.
UNWIND $runs AS run
MERGE (j:Job {namespace: run.namespace, name: run.name})
  ON CREATE SET j.id = run.job, j.createdAt = datetime()
MERGE (r:Run {runId: run.runId})
  ON CREATE SET r.createdAt = datetime()
MERGE (j)-[:HAS_RUN]->(r)
WITH run, j, r, run.eventTime AS t
WITH run, j, r, t, r.rank IS NULL OR run.rank > r.rank OR (run.rank = r.rank AND t >= r.eventTime) AS advance
SET r.state = CASE WHEN advance THEN run.state ELSE r.state END,
    r.rank = CASE WHEN advance THEN run.rank ELSE r.rank END,
    r.eventTime = CASE WHEN advance THEN t ELSE r.eventTime END,
    r.error = CASE WHEN advance THEN run.error ELSE r.error END,
    r.startedAt = CASE WHEN run.state = 'START' AND (r.startedAt IS NULL OR t < r.startedAt) THEN t ELSE r.startedAt END,
    r.endedAt = CASE WHEN advance AND run.rank = 3 THEN t ELSE r.endedAt END,
    j.lastEventTime = CASE WHEN j.lastEventTime IS NULL OR t > j.lastEventTime THEN t ELSE j.lastEventTime END
WITH run, j, r, t, run.state = 'COMPLETE' AND (j.lastCompleteTime IS NULL OR t >= j.lastCompleteTime) AS latest
SET j.lastCompleteTime = CASE WHEN latest THEN t ELSE j.lastCompleteTime END,
    j.lastCompleteRun = CASE WHEN latest THEN r.runId ELSE j.lastCompleteRun END
RETURN run.i AS i, latest
