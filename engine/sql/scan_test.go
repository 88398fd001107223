package sql_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tributary-lineage/tributary/engine/sql"
	"github.com/tributary-lineage/tributary/internal/synth"
)

// nameKey is an object name as resolution sees it: each part normalised, '.'-joined.
func nameKey(n sql.ObjectName) string {
	parts := make([]string, len(n.Parts))
	for i, p := range n.Parts {
		parts[i] = strconv.Quote(p.Normalized())
	}
	return strings.Join(parts, ".")
}

// astTableNames returns the names of the statement's *sql.TableName nodes, as the ingestion's
// ordering collected them from a parse.
func astTableNames(st sql.Stmt) []sql.ObjectName {
	var out []sql.ObjectName
	sql.Inspect(st, func(n sql.Node) bool {
		if t, ok := n.(*sql.TableName); ok && len(t.Name.Parts) > 0 {
			out = append(out, t.Name)
		}
		return true
	})
	return out
}

// checkScan compares ScanScript with ParseScript on src and returns the number of statements
// that parsed (and so were compared).
func checkScan(t *testing.T, where, src string) int {
	t.Helper()
	parsed, scanned := sql.ParseScript(src), sql.ScanScript(src)
	if len(parsed) != len(scanned) {
		t.Errorf("%s: %d statements parsed, %d scanned", where, len(parsed), len(scanned))
		return 0
	}
	n := 0
	for i, r := range parsed {
		s := scanned[i]
		if s.Index != r.Index || s.Pos != r.Pos || s.Text != r.Text {
			t.Errorf("%s: statement %d: scanned (%d, %v, %q), parsed (%d, %v, %q)", where, i, s.Index, s.Pos, s.Text, r.Index, r.Pos, r.Text)
		}
		if r.Stmt == nil {
			continue
		}
		n++
		var want *sql.ObjectName
		if cv, ok := r.Stmt.(*sql.CreateView); ok {
			want = &cv.Name
		}
		if !reflect.DeepEqual(s.View, want) {
			t.Errorf("%s: statement %d (%.60q): View %v, parser %v", where, i, r.Text, s.View, want)
		}
		have := map[string]bool{}
		for _, ref := range s.References {
			have[nameKey(ref)] = true
		}
		for _, tn := range astTableNames(r.Stmt) {
			if !have[nameKey(tn)] {
				t.Errorf("%s: statement %d (%.80q): %s read but not among the scanned references", where, i, r.Text, nameKey(tn))
			}
		}
	}
	return n
}

// fuzzInput returns the string of a Go fuzz corpus file, or false.
func fuzzInput(b []byte) (string, bool) {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "string(") {
		return "", false
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")"))
	return s, err == nil
}

// TestScanScriptCorpora is the proof that scanning can stand in for parsing when listing views:
// over every SQL file of the project's corpora (the fuzz corpora included) and a generated
// warehouse, each statement that parses has the parser's CREATE VIEW name and its References
// hold every relation name of its syntax tree.
func TestScanScriptCorpora(t *testing.T) {
	statements, files := 0, 0
	for _, root := range []string{"testdata", "../lineage/testdata", "../../examples", "../../ingest/dbt/testdata"} {
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			src := string(b)
			if !strings.HasSuffix(p, ".sql") {
				var ok bool
				if src, ok = fuzzInput(b); !ok || !strings.Contains(p, "fuzz") {
					return nil
				}
			}
			files++
			statements += checkScan(t, p, src)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	w := synth.Generate(synth.Options{Views: 500, Columns: 12, Depth: 6, Seed: 15})
	for _, f := range w.Files {
		if strings.HasSuffix(f.Path, ".sql") {
			files++
			statements += checkScan(t, f.Path, string(f.Content))
		}
	}
	t.Logf("%d statements that parse, from %d files, scanned as parsed", statements, files)
	if statements < 1000 {
		t.Errorf("only %d statements compared: corpora not found?", statements)
	}
}

func TestScanScript(t *testing.T) {
	for _, tc := range []struct {
		src  string
		view string   // "" when nil
		refs []string // nameKey of each reference, in order
	}{
		{`SELECT * FROM a x, b AS y, "c" z JOIN d ON x.k = d.k, e WHERE f.x IN (1, 2) GROUP BY g, h`,
			"", []string{`"A"`, `"B"`, `"c"`, `"D"`, `"E"`}},
		{"SELECT * FROM (a LEFT JOIN (b CROSS JOIN c) ON a.x = b.x), d",
			"", []string{`"A"`, `"B"`, `"C"`, `"D"`}},
		{"SELECT * FROM (SELECT x FROM s1.t1, s2.t2) q, (SELECT 1) r JOIN u USING (k, l)",
			"", []string{`"S1"."T1"`, `"S2"."T2"`, `"U"`}},
		{"SELECT f.value FROM src s, LATERAL FLATTEN(input => s.v) f, TABLE(FLATTEN(s.w)) g",
			"", []string{`"SRC"`}},
		{`SELECT * FROM "My Db"."s".t, db..n, TABLE('x.y') a, IDENTIFIER('"Q".r'), TABLE(IDENTIFIER('z'))`,
			"", []string{`"My Db"."s"."T"`, `"DB".""."N"`, `"X"."Y"`, `"Q"."R"`, `"Z"`}},
		{"SELECT a IS DISTINCT FROM b, EXTRACT(year FROM d), c FROM t QUALIFY x = 1 ORDER BY e, f",
			"", []string{`"T"`}},
		{"MERGE INTO tgt USING src s ON tgt.k = s.k WHEN MATCHED THEN UPDATE SET a = s.a",
			"", []string{`"SRC"`}},
		{"WITH c AS (SELECT * FROM base) SELECT * FROM c UNION ALL SELECT * FROM other, more",
			"", []string{`"BASE"`, `"C"`, `"OTHER"`, `"MORE"`}},
		{"CREATE OR REPLACE SECURE RECURSIVE VIEW IF NOT EXISTS d.s.v (a COMMENT 'x', b) AS SELECT a, b FROM t",
			`"D"."S"."V"`, []string{`"T"`}},
		{"create local temporary materialized view \"x y\".z as select 1",
			`"x y"."Z"`, nil},
		// Statements that do not parse but start like CREATE VIEW keep their name.
		{"/* lead */ -- line\nCREATE VIEW a.b AS SELECT (", `"A"."B"`, nil},
		{"CREATE VIEW v AS SELECT x FROM t WHERE", `"V"`, []string{`"T"`}},
		{"CREATE TRANSIENT VIEW v AS SELECT 1", "", nil},
		{"CREATE TABLE t AS SELECT 1 AS view FROM u", "", []string{`"U"`}},
		{"CREATE VIEW", "", nil},
		{"CREATE VIEW (x) AS SELECT 1", "", nil},
	} {
		got := sql.ScanScript(tc.src)
		if len(got) != 1 {
			t.Errorf("%q: %d statements", tc.src, len(got))
			continue
		}
		view := ""
		if got[0].View != nil {
			view = nameKey(*got[0].View)
		}
		var refs []string
		for _, r := range got[0].References {
			refs = append(refs, nameKey(r))
		}
		if view != tc.view || !reflect.DeepEqual(refs, tc.refs) {
			t.Errorf("%q: view %s, references %v; want %s, %v", tc.src, view, refs, tc.view, tc.refs)
		}
	}
}

func TestScanScriptStatements(t *testing.T) {
	src := "-- head\nCREATE VIEW a AS SELECT 1;\n\n;  SELECT 'x;y' FROM b;\nCREATE VIEW c AS SELECT ("
	got := sql.ScanScript(src)
	parsed := sql.ParseScript(src)
	if len(got) != 3 || len(parsed) != 3 {
		t.Fatalf("%d statements scanned, %d parsed; want 3", len(got), len(parsed))
	}
	for i := range got {
		if got[i].Index != i || got[i].Pos != parsed[i].Pos || got[i].Text != parsed[i].Text {
			t.Errorf("statement %d: %d %v %q; parsed %v %q", i, got[i].Index, got[i].Pos, got[i].Text, parsed[i].Pos, parsed[i].Text)
		}
	}
	if got[1].Text != "SELECT 'x;y' FROM b" || got[0].Pos.Line != 2 || got[2].View == nil {
		t.Errorf("statements %+v", got)
	}
}

// FuzzScanScript looks for a statement that parses but whose scan misses its view name or a
// relation it reads. Seeds: the parser's fuzz corpus (testdata/fuzz/FuzzParse) and these.
func FuzzScanScript(f *testing.F) {
	for _, s := range []string{
		"CREATE VIEW v AS SELECT * FROM a, b x JOIN (c CROSS JOIN d) ON 1 = 1, LATERAL FLATTEN(input => a.v) f",
		"WITH q AS (SELECT 1 FROM t) SELECT * FROM q UNION SELECT * FROM TABLE('u') WHERE x IN (SELECT y FROM w)",
		"MERGE INTO t USING (SELECT * FROM s, r) z ON t.k = z.k WHEN MATCHED THEN DELETE",
	} {
		f.Add(s)
	}
	paths, err := filepath.Glob("testdata/fuzz/FuzzParse/*")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			if s, ok := fuzzInput(b); ok {
				f.Add(s)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		checkScan(t, "input", src)
	})
}
