package sql

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lineageSQLExceptions lists lineage cases whose SQL is expected NOT to parse
// because Snowflake rejects the syntax; the value is the reason.
var lineageSQLExceptions = map[string]string{}

// TestLineageCorpusSQL parses the `sql` of every case of the lineage corpus
// (copied from shared/corpus/lineage into testdata/lineage-sql/<id>.sql).
func TestLineageCorpusSQL(t *testing.T) {
	files := corpusFiles(t, "testdata/lineage-sql/*.sql")
	if len(files) != 143 {
		t.Errorf("lineage corpus has %d cases, want 143", len(files))
	}
	for _, f := range files {
		id := strings.TrimSuffix(filepath.Base(f), ".sql")
		t.Run(id, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res := ParseScript(string(b))
			var failed []string
			for _, r := range res {
				if r.Err != nil {
					failed = append(failed, r.Err.Error())
				} else if u, ok := r.Stmt.(*Unsupported); ok {
					failed = append(failed, "unsupported "+u.Keyword)
				}
			}
			if len(res) == 0 {
				failed = append(failed, "no statements")
			}
			if reason, ok := lineageSQLExceptions[id]; ok {
				if len(failed) == 0 {
					t.Errorf("listed as rejected (%s) but parses", reason)
				}
				return
			}
			for _, e := range failed {
				t.Error(e)
			}
		})
	}
}
