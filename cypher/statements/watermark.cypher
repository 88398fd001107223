// The watermark of a query-history source ($source): the latest START_TIME its refreshes have
// read and written (null when none has).
OPTIONAL MATCH (w:QueryHistoryWatermark {source: $source})
RETURN max(w.startTime) AS startTime
