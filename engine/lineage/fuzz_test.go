package lineage

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tributary-lineage/tributary/engine/sql"
)

// FuzzLineage parses and analyses arbitrary input, with and without a
// catalog and view expansion: it must never panic, and every statement must
// come back either analysed, as an error or as skipped. Seeded from the
// lineage corpus, the golden cases, the syntax corpus and bench_200.
func FuzzLineage(f *testing.F) {
	for _, c := range loadCorpus(f) {
		f.Add(c.SQL)
	}
	for _, pat := range []string{"testdata/golden/*.sql", "../sql/testdata/snowflake-syntax/bench/bench_200.sql", "../sql/testdata/snowflake-syntax/*.sql", "../sql/testdata/snowflake-syntax/features/*.sql"} {
		files, _ := filepath.Glob(pat)
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(string(data))
		}
	}
	cat, err := ParseCatalogJSON([]byte(`{"T": ["a", "b", "c"], "S.U": ["a", "x"], "DB.S.V": ["id", "v"]}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		parsed := sql.ParseScript(src)
		for _, opts := range []Options{{}, {Catalog: cat, DefaultDatabase: "DB", DefaultSchema: "S", ExpandViews: true}} {
			res := Analyze(parsed, opts)
			if n := len(res.Statements) + len(res.Errors) + len(res.Skipped); n != len(parsed) {
				t.Fatalf("%d statements parsed, %d accounted for", len(parsed), n)
			}
			if _, err := json.Marshal(res); err != nil {
				t.Fatalf("result does not marshal: %v", err)
			}
			for _, st := range res.Statements {
				for _, c := range st.Columns {
					if c.Sources == nil {
						t.Fatalf("column %s: nil sources", c.Name)
					}
				}
			}
		}
	})
}
