// The most recent runs of one OpenLineage job, newest event first, at most $limit.
MATCH (j:Job {namespace: $namespace, name: $name})
RETURN j {.namespace, .name, .lastCompleteRun, .lastCompleteTime} AS job,
  COLLECT {
    MATCH (j)-[:HAS_RUN]->(r:Run)
    RETURN r {.runId, .state, .eventTime, .startedAt, .endedAt, .error} AS run
    ORDER BY r.eventTime DESC, r.runId
    LIMIT $limit
  } AS runs
