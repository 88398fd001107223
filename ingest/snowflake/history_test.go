package snowflake_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tributary-lineage/tributary/ingest/querylog"
	"github.com/tributary-lineage/tributary/ingest/snowflake"
	"github.com/tributary-lineage/tributary/internal/snowflaketest"
)

// QueryHistory pages through the view in START_TIME order: every row after since exactly once,
// including a run of rows sharing one START_TIME longer than a page, and none that has not
// landed in ACCOUNT_USAGE yet.
func TestQueryHistoryPages(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	base := now.Add(-3 * time.Hour)
	w := &snowflaketest.Warehouse{}
	var queries []snowflaketest.HistoryQuery
	add := func(id string, start time.Time, end time.Time) {
		queries = append(queries, snowflaketest.HistoryQuery{QueryID: id, QueryText: "insert into t select 1 -- " + id, QueryType: "INSERT",
			DatabaseName: "DB", SchemaName: "S", ExecutionStatus: "SUCCESS", StartTime: start, EndTime: end})
	}
	add("a0", base.Add(-time.Minute), base) // before since
	add("a1", base, base.Add(time.Second))  // at since: not after it
	for i := range 5 {                      // five rows of one instant, pages of 2
		add(fmt.Sprintf("b%d", i), base.Add(time.Minute), base.Add(2*time.Minute))
	}
	add("c1", base.Add(2*time.Minute), base.Add(3*time.Minute))
	add("c2", base.Add(3*time.Minute), base.Add(4*time.Minute))
	add("late", now.Add(-20*time.Minute), now.Add(-10*time.Minute)) // ended 10 minutes ago
	w.QueryHistory = snowflaketest.QueryHistory{Queries: queries, Latency: 45 * time.Minute, Now: func() time.Time { return now }}
	srv := snowflaketest.New(t, snowflaketest.WithWarehouse(w))
	src, err := snowflake.OpenConfig(srv.Config(), snowflake.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var ids []string
	pages, err := src.QueryHistory(context.Background(), base, 2, func(r querylog.Record) { ids = append(ids, r.QueryID) })
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"b0", "b1", "b2", "b3", "b4", "c1", "c2"}
	if !slices.Equal(ids, want) {
		t.Errorf("rows %v, want %v", ids, want)
	}
	// [a1 b0] [b0 b1] (one instant, full: 4) [b0 b1 b2 b3] (still: 8) [b0..b4 c1 c2] (short: done)
	if pages != 4 {
		t.Errorf("%d pages, want 4", pages)
	}
}
