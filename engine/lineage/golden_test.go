package lineage

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden.json from the current output")

// goldenOptions reads the options of a golden case: an optional
// <case>.catalog.json next to the .sql, and an optional first line
// "-- options: default-database=D default-schema=S expand-views".
func goldenOptions(t *testing.T, sqlPath, src string) Options {
	t.Helper()
	var o Options
	catPath := strings.TrimSuffix(sqlPath, ".sql") + ".catalog.json"
	if data, err := os.ReadFile(catPath); err == nil {
		cat, err := ParseCatalogJSON(data)
		if err != nil {
			t.Fatalf("%s: %v", catPath, err)
		}
		o.Catalog = cat
	} else if !os.IsNotExist(err) {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(src, "\n")
	if opts, ok := strings.CutPrefix(first, "-- options:"); ok {
		for _, f := range strings.Fields(opts) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "default-database":
				o.DefaultDatabase = v
			case "default-schema":
				o.DefaultSchema = v
			case "expand-views":
				o.ExpandViews = true
			default:
				t.Fatalf("%s: unknown option %q", sqlPath, k)
			}
		}
	}
	return o
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".sql")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res := AnalyzeSQL(string(src), goldenOptions(t, f, string(src)))
			got, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(f, ".sql") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./engine/lineage -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs (-want +got):\n%s", golden, cmp.Diff(string(want), string(got)))
			}
		})
	}
}
