package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tributary-lineage/tributary/api"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// warehouseSQL is n CREATE VIEWs in chains of ten (each view reads the one before it; the first
// of a chain reads a table), with columns A, B and, unless dropC, C.
func warehouseSQL(db string, n int, dropC bool) (string, map[string][]string) {
	var b strings.Builder
	catalog := map[string][]string{}
	for i := range n {
		from := fmt.Sprintf("%s.S.V%d", db, i-1)
		if i%10 == 0 {
			from = fmt.Sprintf("%s.RAW.T%d", db, i/10)
			catalog[from] = []string{"A", "B", "C"}
		}
		cols := "a, b + 1 as b, c"
		if dropC {
			cols = "a, b + 1 as b"
		}
		fmt.Fprintf(&b, "CREATE VIEW %s.S.V%d AS SELECT %s FROM %s WHERE a > 0;\n", db, i, cols, from)
	}
	return b.String(), catalog
}

// BenchmarkAnalyzeDiff1000Views measures POST /api/v1/lineage/analyze of 1,000 CREATE VIEWs
// that each drop a column of a stored view, through the real engine and the real Neo4j: every
// view is analysed and diffed (columns, edges, broken and affected downstream columns).
func BenchmarkAnalyzeDiff1000Views(b *testing.B) {
	const n = 1000
	ctx := context.Background()
	store := graph.NewStore(graphtest.Driver(b), graphtest.Neo4jDatabase())
	db := graphtest.Database(b, store, "BA_")
	an := api.NewEngineAnalyzer(store, n, "", "")
	stored, catalog := warehouseSQL(db, n, false)
	res, err := an.Analyze(ctx, api.AnalyzeRequest{SQL: stored, Catalog: catalog})
	if err != nil {
		b.Fatal(err)
	}
	var views []graph.View
	for _, st := range res.Statements {
		views = append(views, *st.View)
	}
	if len(views) != n {
		b.Fatalf("%d views analysed, want %d", len(views), n)
	}
	if err := store.ReplaceViewsLineage(ctx, views, nil); err != nil {
		b.Fatal(err)
	}
	proposed, _ := warehouseSQL(db, n, true)
	body, err := json.Marshal(api.AnalyzeRequest{SQL: proposed, Catalog: catalog})
	if err != nil {
		b.Fatal(err)
	}
	h := api.New(api.Config{}, api.Deps{Analyzer: an, Differ: store}, slog.New(slog.NewJSONHandler(io.Discard, nil))).Handler()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/lineage/analyze", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d %.300s", w.Code, w.Body)
		}
		var out struct {
			Statements []struct {
				Diff *struct {
					ColumnsRemoved []string `json:"columns_removed"`
				} `json:"diff"`
			} `json:"statements"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			b.Fatal(err)
		}
		if len(out.Statements) != n || out.Statements[n-1].Diff == nil || len(out.Statements[n-1].Diff.ColumnsRemoved) != 1 {
			b.Fatalf("answer without the %d diffs: %.300s", n, w.Body)
		}
	}
}
