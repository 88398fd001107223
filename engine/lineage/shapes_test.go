package lineage

import (
	"slices"
	"strings"
	"testing"
)

func TestLikeMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"%_ID", "CUSTOMER_ID", true},
		{"%_ID", "ID", false},
		{"%_ID", "XID", true},
		{"C%", "CUSTOMER_ID", true},
		{"C%", "ID", false},
		{"%", "", true},
		{"", "", true},
		{"_", "", false},
		{"A_C", "ABC", true},
		{"A\\_C", "ABC", false},
		{"A\\_C", "A_C", true},
		{"%A%B%", "XXAYYBZZ", true},
		{"%A%B%", "XXBYYAZZ", false},
		{"%%%%", "ANYTHING", true},
		{strings.Repeat("%A", 30) + "%B", strings.Repeat("A", 60), false},
	} {
		if got := likeMatch(tc.p, tc.s); got != tc.want {
			t.Errorf("likeMatch(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

// TestDeepShapes analyses inputs whose naive treatment is exponential in
// their depth (each would not finish if it were); their lineage must still
// be exact.
func TestDeepShapes(t *testing.T) {
	const depth = 40
	nested := "a"
	for range depth {
		nested = "COALESCE(" + nested + ", b)"
	}
	var chain strings.Builder
	chain.WriteString("WITH c0 AS (SELECT * FROM base)")
	for i := 1; i <= depth; i++ {
		p := "c" + itoa(i-1)
		chain.WriteString(", c" + itoa(i) + " AS (SELECT * FROM " + p + " x JOIN " + p + " y ON x.k = y.k)")
	}
	chain.WriteString(" SELECT v FROM c" + itoa(depth))
	for _, tc := range []struct {
		name, sql string
		want      []Source
	}{
		{"nested COALESCE", "SELECT " + nested + " AS v FROM t", []Source{
			{Column: "T.A", Type: TypeDirect, Subtype: SubtypeTransformation},
			{Column: "T.A", Type: TypeIndirect, Subtype: SubtypeConditional},
			{Column: "T.B", Type: TypeDirect, Subtype: SubtypeTransformation},
			{Column: "T.B", Type: TypeIndirect, Subtype: SubtypeConditional},
		}},
		{"stars over self-joined CTEs of an undescribed table", chain.String(), []Source{
			{Column: "BASE.V", Type: TypeDirect, Subtype: SubtypeIdentity},
		}},
		{"ILIKE with many wildcards", "SELECT * ILIKE '" + strings.Repeat("%a", 30) + "%v' FROM (SELECT t.w AS " + strings.Repeat("A", 60) + "V, t.v FROM t)", []Source{
			{Column: "T.W", Type: TypeDirect, Subtype: SubtypeIdentity},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := AnalyzeSQL(tc.sql, Options{})
			if len(res.Errors) > 0 || len(res.Statements) != 1 {
				t.Fatalf("errors %+v", res.Errors)
			}
			cols := res.Statements[0].Columns
			if len(cols) != 1 {
				t.Fatalf("columns %+v", cols)
			}
			if got := cols[0].Sources; !equalSources(got, tc.want) {
				t.Errorf("sources %+v, want %+v", got, tc.want)
			}
		})
	}
}

// equalSources compares the edges, their chains of expressions aside.
func equalSources(a, b []Source) bool {
	return slices.EqualFunc(a, b, func(x, y Source) bool {
		return x.Column == y.Column && x.Type == y.Type && x.Subtype == y.Subtype &&
			x.Masking == y.Masking && x.IsVerified() == y.IsVerified()
	})
}
