package lineage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// syntaxWarningsAllowed are the warnings an input without a catalog may
// legitimately give. Anything else on the syntax corpus (a column "not
// found", an "unknown table or alias", a self-referencing CTE, a column
// count mismatch) means the engine bound a name wrongly.
var syntaxWarningsAllowed = []string{
	"cannot expand * over",              // star over a table with no catalog entry
	"* over ",                           // OBJECT_CONSTRUCT(*) over such a table
	"table function ",                   // UDTF columns unknown
	"stage ",                            // stage columns unknown
	"$",                                 // positional column of a stage
	"alias column list over",            // alias list over a partly known PIVOT
	"PIVOT ... IN (ANY",                 // dynamic pivot
	"resolved to the select item alias", // lateral alias over an undescribed table
	"could come from",                   // join of undescribed tables
	"bound to",                          // join of described and undescribed sources
}

// TestSyntaxCorpusLineage analyses every file of the Snowflake syntax corpus
// (the parser's copy of the shared corpus, ../sql/testdata/snowflake-syntax) without a catalog: every
// statement must parse and be analysed, every column of a statement that
// reads a table must have been bound, and only the warnings above may appear.
func TestSyntaxCorpusLineage(t *testing.T) {
	files, err := filepath.Glob("../sql/testdata/snowflake-syntax/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../sql/testdata/snowflake-syntax/features/*.sql")
	files = append(files, more...)
	if len(files) != 50+127 {
		t.Fatalf("%d syntax files, want 177", len(files))
	}
	var stmts, cols, withSources int
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res := AnalyzeSQL(string(src), Options{})
		for _, e := range res.Errors {
			t.Errorf("%s: statement %d does not parse: %d:%d %s", f, e.Statement, e.Line, e.Col, e.Message)
		}
		for _, st := range res.Statements {
			stmts++
			for _, c := range st.Columns {
				cols++
				if len(c.Sources) > 0 {
					withSources++
				}
			}
			for _, w := range st.Warnings {
				ok := false
				for _, p := range syntaxWarningsAllowed {
					ok = ok || strings.HasPrefix(w.Message, p) || strings.Contains(w.Message, p)
				}
				if !ok {
					t.Errorf("%s: statement %d: unexpected warning %d:%d %s", f, st.Index, w.Line, w.Col, w.Message)
				}
			}
		}
	}
	t.Logf("syntax corpus: %d files, %d statements, %d output columns (%d with upstream columns)", len(files), stmts, cols, withSources)
}
