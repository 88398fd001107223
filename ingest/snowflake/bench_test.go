package snowflake_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tributary-lineage/tributary/ingest/snowflake"
	"github.com/tributary-lineage/tributary/internal/snowflaketest"
)

// bigWarehouse has views spread over schemas of 1,000 views, each view with
// columns columns and a definition of realistic length.
func bigWarehouse(views, columns int) *snowflaketest.Warehouse {
	w := &snowflaketest.Warehouse{}
	for i := range views {
		schema := fmt.Sprintf("S%03d", i/1000)
		name := fmt.Sprintf("V%06d", i)
		defs := make([]snowflaketest.ColumnDef, columns)
		sel := make([]string, columns)
		for c := range columns {
			defs[c] = snowflaketest.ColumnDef{Name: fmt.Sprintf("C%02d", c), Type: "NUMBER", Nullable: true}
			sel[c] = fmt.Sprintf("t.c%02d + 1 AS c%02d", c, c)
		}
		w.PutView("BIG", schema, snowflaketest.View{
			Name:    name,
			Text:    "CREATE OR REPLACE VIEW " + name + " AS SELECT " + strings.Join(sel, ", ") + " FROM raw.source_" + name + " t",
			Created: at(i % 300), LastAltered: at(i%300 + 1), Columns: defs,
		})
	}
	return w
}

func TestManyViewsArriveThroughResultChunks(t *testing.T) {
	const n = 2500
	srv := snowflaketest.New(t, snowflaketest.WithWarehouse(bigWarehouse(n, 3)), snowflaketest.WithChunkRows(1000))
	src := newSource(t, srv, snowflake.Config{})
	views, err := src.ListViews(context.Background(), "BIG")
	if err != nil {
		t.Fatal(err)
	}
	if len(views) != n {
		t.Fatalf("got %d views, want %d", len(views), n)
	}
	for i, v := range views {
		if want := fmt.Sprintf("V%06d", i); v.Name != want || !strings.HasPrefix(v.Text, "CREATE OR REPLACE VIEW "+want) {
			t.Fatalf("view %d = %s %.40q, want %s", i, v.Name, v.Text, want)
		}
	}
	// 2,500 rows: 1,000 inline and two downloaded chunks of 1,000 and 500.
	if got := srv.ChunkDownloads(); got != 2 {
		t.Errorf("chunk downloads = %d, want 2", got)
	}
}

// BenchmarkListViews measures listing views and their columns through the
// real driver and the in-process protocol server (both sides included).
func BenchmarkListViews(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("views=%d", n), func(b *testing.B) {
			srv := snowflaketest.New(b, snowflaketest.WithWarehouse(bigWarehouse(n, 40)), snowflaketest.WithChunkRows(5000))
			src := newSource(b, srv, snowflake.Config{})
			for b.Loop() {
				views, err := src.ListViews(ctx, "BIG")
				if err != nil || len(views) != n {
					b.Fatalf("list views: %d views, err %v", len(views), err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "views/s")
		})
		b.Run(fmt.Sprintf("columns=%dx40", n), func(b *testing.B) {
			srv := snowflaketest.New(b, snowflaketest.WithWarehouse(bigWarehouse(n, 40)), snowflaketest.WithChunkRows(5000))
			src := newSource(b, srv, snowflake.Config{})
			for b.Loop() {
				cols, err := src.Columns(ctx, "BIG")
				if err != nil || len(cols) != n*40 {
					b.Fatalf("columns: %d, err %v", len(cols), err)
				}
			}
			b.ReportMetric(float64(n*40)*float64(b.N)/b.Elapsed().Seconds(), "columns/s")
		})
	}
}
