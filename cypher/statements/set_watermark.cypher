// Moves the watermark of a query-history source ($source) forward to $startTime (never back),
// recording when ($at).
MERGE (w:QueryHistoryWatermark {source: $source})
SET w.startTime = CASE WHEN w.startTime IS NULL OR w.startTime < $startTime THEN $startTime ELSE w.startTime END,
    w.updated = $at
RETURN w.startTime AS startTime
