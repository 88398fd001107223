// Records a JobEvent's job (a job described without a run): its lineage is always the job's.
MERGE (j:Job {namespace: $run.namespace, name: $run.name})
  ON CREATE SET j.id = $run.job, j.createdAt = datetime()
WITH j, $run.eventTime AS t
SET j.lastEventTime = CASE WHEN j.lastEventTime IS NULL OR t > j.lastEventTime THEN t ELSE j.lastEventTime END
RETURN true AS latest
