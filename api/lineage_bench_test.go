package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// benchGraph writes layers of views, each column deriving from one or (every third) two
// columns of the layer below, so a depth-10 upstream from the top has tens of nodes and
// paths, like the load-test graph. It returns a top column.
func benchGraph(b *testing.B, store *graph.Store, layers, width int) graph.ColumnID {
	b.Helper()
	ctx := context.Background()
	db := "TB_" + randomHex(b, 4)
	graphtest.Cleanup(b, store, db)
	base := graph.ObjectID{Database: db, Schema: "RAW", Name: "T"}
	var cols []graph.Column
	for i := range width {
		cols = append(cols, graph.Column{Name: fmt.Sprintf("C%d", i), Ordinal: i + 1, DataType: "NUMBER"})
	}
	if err := store.UpsertTables(ctx, []graph.Table{{ID: base, Columns: cols}}); err != nil {
		b.Fatal(err)
	}
	below := make([]graph.ObjectID, width)
	for i := range below {
		below[i] = base
	}
	var top graph.ColumnID
	for l := 1; l <= layers; l++ {
		cur := make([]graph.ObjectID, width)
		for i := range width {
			id := graph.ObjectID{Database: db, Schema: fmt.Sprintf("L%d", l), Name: fmt.Sprintf("V%d", i)}
			v := graph.View{ID: id, Status: graph.StatusOK, Definition: "-- bench", Columns: cols}
			for j, c := range cols {
				src := below[(i+j)%width].Column(fmt.Sprintf("C%d", (i+j)%width))
				v.Edges = append(v.Edges, graph.Edge{From: id.Column(c.Name), To: src, Type: graph.EdgeDirect, Subtype: graph.SubtypeIdentity})
				if j%3 == 0 {
					src2 := below[(i+j+1)%width].Column(fmt.Sprintf("C%d", (i+j+1)%width))
					v.Edges = append(v.Edges, graph.Edge{From: id.Column(c.Name), To: src2, Type: graph.EdgeDirect, Subtype: graph.SubtypeTransformation})
				}
			}
			if err := store.ReplaceViewLineage(ctx, v); err != nil {
				b.Fatal(err)
			}
			cur[i] = id
			top = id.Column("C0")
		}
		below = cur
	}
	return top
}

// BenchmarkCachedColumnLineage is the cached path of GET /api/v1/lineage/columns at depth 10
// (Redis lookup, decode, response): the server's CPU cost per cached request, without the
// network client's share.
func BenchmarkCachedColumnLineage(b *testing.B) {
	_, store, rdb := realDeps(b)
	top := benchGraph(b, store, 11, 6)
	reader := graph.NewCachedReader(rdb, store, time.Minute, graph.CacheOptions{Prefix: "tributary-bench:" + randomHex(b, 4) + ":"})
	s := New(Config{}, Deps{Lineage: reader, Responses: reader, Metrics: NewMetrics(prometheus.NewRegistry())}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	h := s.Handler()
	target := "/api/v1/lineage/columns?" + url.Values{"column": {top.String()}, "direction": {"upstream"}, "depth": {"10"}}.Encode()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	if w.Code != 200 {
		b.Fatalf("warm-up: %d %s", w.Code, w.Body)
	}
	b.SetBytes(int64(w.Body.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
	if st := reader.Stats(); st.Misses["http:columns"] != 1 {
		b.Errorf("misses %d, want only the warm-up", st.Misses["http:columns"])
	}
}

// BenchmarkUncachedColumnLineage is GET /api/v1/lineage/columns at depth 10 with no cache:
// two Neo4j statements (the closure's edges, then its columns) in one read transaction, and
// the response; direction=both reads both closures and the columns in one transaction.
func BenchmarkUncachedColumnLineage(b *testing.B) {
	_, store, _ := realDeps(b)
	top := benchGraph(b, store, 11, 6)
	s := New(Config{}, Deps{Lineage: store}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	h := s.Handler()
	for _, dir := range []string{DirUpstream, DirBoth} {
		b.Run(dir, func(b *testing.B) {
			target := "/api/v1/lineage/columns?" + url.Values{"column": {top.String()}, "direction": {dir}, "depth": {"10"}}.Encode()
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
