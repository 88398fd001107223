package sql

import (
	"os"
	"regexp"
	"testing"
)

// TestParserKeywordsAreKnown guards against a silent mismatch: the parser
// compares tokens with keyword spellings, and a spelling missing from the
// keyword table never matches. Every upper-case string literal in the parser
// must be a keyword or one of the listed non-keyword names.
func TestParserKeywordsAreKnown(t *testing.T) {
	notKeywords := map[string]bool{
		// object types named in the keywords of unsupported statements
		"ALERT": true, "DATABASE": true, "FORMAT": true, "FUNCTION": true, "INDEX": true, "INTEGRATION": true,
		"PIPE": true, "PROCEDURE": true, "ROLE": true, "RULE": true, "SCHEMA": true, "SECRET": true,
		"SEQUENCE": true, "SHARE": true, "STAGE": true, "TASK": true, "USER": true, "WAREHOUSE": true,
		// table modifiers compared by text (CREATE DYNAMIC ICEBERG TABLE)
		"ICEBERG": true,
		// function names matched on FuncCall names
		"DATEADD": true, "DATEDIFF": true, "DATE_PART": true, "DATE_TRUNC": true, "LAST_DAY": true,
		"NTH_VALUE": true, "TIMEADD": true, "TIMEDIFF": true, "TIMESTAMPADD": true, "TIMESTAMPDIFF": true,
		"TIME_SLICE": true, "SUBSTRING": true, "SUBSTR": true, "POSITION": true, "IDENTIFIER": true,
		// SubqueryExpr kinds
		"SCALAR": true,
		// interval qualifier fields, compared by text after INTERVAL '...'
		"YEAR": true, "MONTH": true, "DAY": true, "HOUR": true, "MINUTE": true, "SECOND": true,
		// Snowflake Scripting words, compared by text when splitting statements
		"BEGIN": true, "DECLARE": true, "TRANSACTION": true, "WORK": true, "LOOP": true, "WHILE": true, "REPEAT": true,
	}
	lit := regexp.MustCompile(`"([A-Z][A-Z_]+)"`)
	for _, f := range []string{"parse.go", "query.go", "expr.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			w := m[1]
			if _, ok := keywords[w]; !ok && !notKeywords[w] {
				t.Errorf("%s: %q is neither a keyword nor a known name", f, w)
			}
		}
	}
	for i, name := range keywordNames {
		if i == 0 {
			continue
		}
		if k := keywords[name]; int(k.id) != i {
			t.Errorf("keyword %s has id %d, want %d", name, k.id, i)
		}
	}
}
