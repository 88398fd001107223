package lineage

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tributary-lineage/tributary/engine/sql"
)

// TestAnalyzeContextStops: once the context ends the analysis returns its error and no partial
// result; with a live context it equals Analyze.
func TestAnalyzeContextStops(t *testing.T) {
	stmts := sql.ParseScript(strings.Repeat("select a, b from (select 1 as a, 2 as b) t;\n", 20))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := AnalyzeContext(ctx, stmts, Options{})
	if !errors.Is(err, context.Canceled) || res != nil {
		t.Errorf("res %v err %v, want context.Canceled and no result", res, err)
	}
	res, err = AnalyzeContext(context.Background(), stmts, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := Analyze(stmts, Options{}); len(res.Statements) != len(want.Statements) || len(res.Statements) != 20 {
		t.Errorf("%d statements, Analyze %d", len(res.Statements), len(want.Statements))
	}
}
