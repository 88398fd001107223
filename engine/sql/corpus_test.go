package sql

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// syntaxCorpusExceptions lists corpus files that are expected NOT to parse,
// with the reason Snowflake rejects them. It is empty: every file parses.
var syntaxCorpusExceptions = map[string]string{}

func corpusFiles(t *testing.T, patterns ...string) []string {
	t.Helper()
	var files []string
	for _, pat := range patterns {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatalf("no corpus files for %v", patterns)
	}
	return files
}

func TestSnowflakeSyntaxCorpus(t *testing.T) {
	files := corpusFiles(t,
		"testdata/snowflake-syntax/*.sql",
		"testdata/snowflake-syntax/features/*.sql",
		"testdata/snowflake-syntax/bench/*.sql")
	if got := len(files); got != 50+127+4 {
		t.Errorf("corpus has %d files, want 181", got)
	}
	for _, f := range files {
		name := filepath.ToSlash(strings.TrimPrefix(f, "testdata/snowflake-syntax/"))
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res := ParseScript(string(b))
			if len(res) == 0 {
				t.Fatal("no statements")
			}
			var failed []string
			for _, r := range res {
				switch {
				case r.Err != nil:
					failed = append(failed, r.Err.Error())
				default:
					if u, ok := r.Stmt.(*Unsupported); ok {
						failed = append(failed, "unsupported "+u.Keyword)
					}
				}
			}
			if reason, ok := syntaxCorpusExceptions[name]; ok {
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
