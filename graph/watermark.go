package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
)

// QueryWatermark returns the watermark of a query-history source: the latest START_TIME its
// refreshes have read and written (zero when none has). It lives in the graph, beside the
// statements it describes, so the two cannot disagree: a graph restored or rebuilt without
// them reads the history again.
func (s *Store) QueryWatermark(ctx context.Context, source string) (time.Time, error) {
	res, err := s.read(ctx, cypher.StatementsWatermark, map[string]any{"source": source})
	if err != nil {
		return time.Time{}, fmt.Errorf("watermark of %s: %w", source, err)
	}
	if len(res.Records) != 1 {
		return time.Time{}, fmt.Errorf("watermark of %s: %d records, want 1", source, len(res.Records))
	}
	return timeOf(res.Records[0].AsMap(), "startTime"), nil
}

// SetQueryWatermark moves the watermark of a query-history source forward to startTime (never
// back).
func (s *Store) SetQueryWatermark(ctx context.Context, source string, startTime time.Time) error {
	_, err := neo4j.ExecuteQuery(ctx, s.driver, cypher.StatementsSetWatermark,
		map[string]any{"source": source, "startTime": startTime.UTC(), "at": time.Now().UTC()}, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithWritersRouting())
	if err != nil {
		return fmt.Errorf("set watermark of %s: %w", source, err)
	}
	return nil
}

// TouchStatementsAt marks statements seen again, each at its own time (see
// Store.TouchStatementsAt); it invalidates the cache like TouchStatements.
func (w *Writer) TouchStatementsAt(ctx context.Context, seen map[string]time.Time) (int, error) {
	var n int
	err := w.write(ctx, func() (err error) {
		n, err = w.store.TouchStatementsAt(ctx, seen)
		return err
	}, true)
	return n, err
}

// QueryWatermark reads a query-history source's watermark (see Store.QueryWatermark).
func (w *Writer) QueryWatermark(ctx context.Context, source string) (time.Time, error) {
	return w.store.QueryWatermark(ctx, source)
}

// SetQueryWatermark moves a query-history source's watermark forward (see
// Store.SetQueryWatermark). Answers do not show it: the cache stays.
func (w *Writer) SetQueryWatermark(ctx context.Context, source string, startTime time.Time) error {
	return w.store.SetQueryWatermark(ctx, source, startTime)
}
