package cypher

import _ "embed"

// The watermark of a query-history source (graph's QueryWatermark and SetQueryWatermark), in
// statements/.
var (
	//go:embed statements/watermark.cypher
	StatementsWatermark string
	//go:embed statements/set_watermark.cypher
	StatementsSetWatermark string
)
