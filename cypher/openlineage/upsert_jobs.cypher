// Records JobEvents' jobs (one row per event in $runs, jobs described without a run): their
// lineage is always the job's.
UNWIND $runs AS run
MERGE (j:Job {namespace: run.namespace, name: run.name})
  ON CREATE SET j.id = run.job, j.createdAt = datetime()
WITH run, j, run.eventTime AS t
SET j.lastEventTime = CASE WHEN j.lastEventTime IS NULL OR t > j.lastEventTime THEN t ELSE j.lastEventTime END
RETURN run.i AS i, true AS latest
