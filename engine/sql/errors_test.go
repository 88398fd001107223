package sql

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSyntaxErrorPositions(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"missing expression at end", "SELECT a FROM t WHERE", `1:22: unexpected end of input, expected expression`},
		{"double operator on third line", "SELECT a\nFROM t\nWHERE b = = 1", `3:11: unexpected "=", expected expression`},
		{"unclosed parenthesis", "SELECT (a + b FROM t", `1:15: unexpected "FROM", expected ')'`},
		{"case without end", "SELECT CASE WHEN a THEN b FROM t", `1:27: unexpected "FROM", expected END`},
		{"view without query", "CREATE VIEW v AS", `1:17: unexpected end of input, expected SELECT`},
		{"view property typo", "CREATE VIEW v COMENT = 'x' AS SELECT 1", `1:15: unexpected "COMENT", expected AS`},
		{"group without by", "SELECT a FROM t GROUP a", `1:17: unexpected "GROUP", expected end of statement`},
		{"join without table", "SELECT a FROM t JOIN ON x = y", `1:22: unexpected "ON", expected table name`},
		{"left without join", "SELECT a FROM t LEFT u ON x = y", `1:22: unexpected "u", expected JOIN`},
		{"in list unclosed", "SELECT a FROM t WHERE x IN (1, 2", `1:33: unexpected end of input, expected ')'`},
		{"unterminated string", "CREATE VIEW v AS SELECT 'abc FROM t", `1:25: unterminated string literal`},
		{"unterminated comment", "SELECT a /* no end\nFROM t", `1:10: unterminated /* comment`},
		{"unterminated quoted identifier", `SELECT "abc FROM t`, `1:8: unterminated quoted identifier`},
		{"stray character", "SELECT a # b FROM t", `1:10: unexpected character`},
		{"reserved word as column", "SELECT a + from FROM t", `1:12: unexpected "from", expected expression`},
		{"cast without type", "SELECT a:: FROM t", `1:12: unexpected "FROM", expected data type`},
		{"pivot without for", "SELECT * FROM t PIVOT (SUM(a) IN ('x'))", `1:31: unexpected "IN", expected FOR`},
		{"quantified comparison with a list", "SELECT a FROM t WHERE x = ANY (1, 2, 3)", `1:27: ANY (...) after a comparison takes a subquery, not a list of values (for a list, use [NOT] IN (...))`},
		{"quantified comparison with a list, SOME", "SELECT a FROM t WHERE x <> some (b)", `1:28: SOME (...) after a comparison takes a subquery, not a list of values (for a list, use [NOT] IN (...))`},
		{"merge without when", "MERGE INTO t USING s ON t.id = s.id", `1:36: unexpected end of input, expected WHEN`},
		{"error in second statement keeps absolute position", "SELECT 1;\n  SELECT FROM t", `2:10: unexpected "FROM", expected expression`},
		{"semicolon ends the statement", "SELECT a FROM t WHERE; SELECT 1", `1:22: unexpected ";", expected expression`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.src)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want error %s", tt.src, tt.want)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *SyntaxError", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse(%q)\n got  %s\n want %s", tt.src, got, tt.want)
			}
			// Offset agrees with Line and Col.
			line, col := lineCol(tt.src, se.Offset)
			if line != se.Line || col != se.Col {
				t.Errorf("offset %d is %d:%d, error says %d:%d", se.Offset, line, col, se.Line, se.Col)
			}
		})
	}
}

func TestParseScriptKeepsGoodStatements(t *testing.T) {
	src := "CREATE VIEW a AS SELECT 1 AS x;\nCREATE VIEW b AS SELECT FROM;\n-- c\nCREATE VIEW c AS SELECT 3 AS z;;"
	res := ParseScript(src)
	type row struct {
		Index int
		Line  int
		OK    bool
		Text  string
	}
	var got []row
	for _, r := range res {
		got = append(got, row{r.Index, r.Pos.Line, r.Err == nil && r.Stmt != nil, r.Text})
	}
	want := []row{
		{0, 1, true, "CREATE VIEW a AS SELECT 1 AS x"},
		{1, 2, false, "CREATE VIEW b AS SELECT FROM"},
		{2, 4, true, "CREATE VIEW c AS SELECT 3 AS z"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if res[1].Err.Line != 2 || res[1].Err.Col != 25 {
		t.Errorf("error at %d:%d, want 2:25", res[1].Err.Line, res[1].Err.Col)
	}
	if _, err := Parse(src); err == nil || err.Error() != res[1].Err.Error() {
		t.Errorf("Parse error = %v, want the second statement's", err)
	}
	if s, err := Parse("SELECT 1; SELECT 2;"); err != nil || len(s.Stmts) != 2 {
		t.Errorf("Parse of two statements: %v, %v", s, err)
	}
	if s, err := Parse("\xEF\xBB\xBFSELECT 1"); err != nil || len(s.Stmts) != 1 || s.Stmts[0].Position().Col != 4 {
		t.Errorf("Parse after a byte order mark: %v, %v", s, err)
	}
	if s, err := Parse("  -- nothing\n ; "); err != nil || len(s.Stmts) != 0 {
		t.Errorf("Parse of empty script: %v, %v", s, err)
	}
}

func TestDeepNestingIsAnError(t *testing.T) {
	tests := []struct {
		name string
		src  string
	}{
		{"parentheses", "SELECT " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000)},
		{"unary minus", "SELECT " + strings.Repeat("- ", 5000) + "1"},
		{"not", "SELECT " + strings.Repeat("NOT ", 5000) + "a"},
		{"derived tables", "SELECT * FROM " + strings.Repeat("(SELECT * FROM ", 3000) + "t" + strings.Repeat(")", 3000)},
		{"subqueries", "SELECT " + strings.Repeat("(SELECT ", 3000) + "1" + strings.Repeat(")", 3000)},
		{"unclosed", "SELECT " + strings.Repeat("(", 100000)},
		{"arrays", "SELECT " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.src)
			if err == nil {
				t.Fatal("deep nesting parsed without error")
			}
			if !strings.Contains(err.Error(), "nesting deeper than") {
				t.Errorf("error = %v, want a nesting error", err)
			}
		})
	}
	// Moderate nesting is fine.
	if _, err := Parse("SELECT " + strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300)); err != nil {
		t.Errorf("300 parentheses: %v", err)
	}
}

// lineCol computes the 1-based line and byte column of offset off in src.
func lineCol(src string, off int) (int, int) {
	line, start := 1, 0
	for i := 0; i < off && i < len(src); i++ {
		if src[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return line, off - start + 1
}
