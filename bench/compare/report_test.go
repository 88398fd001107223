package compare

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func testInputs() Inputs {
	return Inputs{Sets: []Set{{
		Name: "s",
		Views: []View{
			{Name: "DB.S.V1"}, {Name: "DB.S.V2"}, {Name: "DB.S.V3"},
		},
	}}}
}

func col(name string, srcs ...string) ColumnResult { return ColumnResult{Name: name, Sources: srcs} }

func TestBuildExcludesFailedViewsAndComputesRatio(t *testing.T) {
	goRes := Results{Tool: "tributary", Variants: []Variant{{Name: "tributary", Sets: []SetResult{{
		Name: "s", TimedViews: 2, Seconds: 0.002, CPUSeconds: 0.001,
		Views: []ViewResult{
			{Name: "DB.S.V1", OK: true, NColumns: 2, Pairs: 2, Columns: []ColumnResult{col("A", "T.X"), col("B", "T.Y")}},
			{Name: "DB.S.V2", OK: true, NColumns: 1, Pairs: 1, Columns: []ColumnResult{col("C", "T.Z")}},
			{Name: "DB.S.V3", OK: true, NColumns: 1, Pairs: 1, Columns: []ColumnResult{col("D", "T.W")}},
		},
	}}}}}
	py := Results{Tool: "sqlglot", Version: "1.0", Variants: []Variant{{Name: "per-column", Sets: []SetResult{{
		Name: "s",
		Views: []ViewResult{
			// Column list renames: matched by position, so "A2" is A.
			{Name: "DB.S.V1", OK: true, Seconds: 0.5, CPUSeconds: 0.4, NColumns: 2, Pairs: 2,
				Columns: []ColumnResult{col("A2", "T.X"), col("B", "T.Q")}},
			{Name: "DB.S.V2", OK: false, Error: "boom"},
			{Name: "DB.S.V3", OK: true, Seconds: 0.5, CPUSeconds: 0.6, NColumns: 1, Pairs: 1, Columns: []ColumnResult{col("D", "T.W")}},
		},
	}}}}}
	rep, err := Build(testInputs(), goRes, []Results{py})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Excluded{{View: "DB.S.V2", Reason: "sqlglot 1.0 per-column: boom"}}, rep.Excluded["s"]); diff != "" {
		t.Errorf("excluded (-want +got):\n%s", diff)
	}
	if len(rep.Rows) != 2 {
		t.Fatalf("got %d rows, want 2 (one set, no total row)", len(rep.Rows))
	}
	g, p := rep.Rows[0], rep.Rows[1]
	if !g.Baseline || g.Views != 2 || g.Columns != 3 || g.ViewsPS != 2000 || g.WallPS != 1000 {
		t.Errorf("go row = %+v, want 2 views, 3 columns, 2000 views/CPU s, 1000 views/wall s", g)
	}
	if p.Views != 2 || p.Columns != 3 || p.CPUSeconds != 1.0 || p.ViewsPS != 2 {
		t.Errorf("sqlglot row = %+v, want 2 views, 3 columns, 1 CPU second, 2 views/s", p)
	}
	best, worst, base, ok := rep.Headline()
	if !ok || base.ViewsPS/best.ViewsPS != 1000 || best != worst {
		t.Errorf("headline: best %+v worst %+v base %+v ok %v", best, worst, base, ok)
	}
	if len(rep.Agree) != 1 {
		t.Fatalf("got %d agreements, want 1", len(rep.Agree))
	}
	ag := rep.Agree[0]
	if ag.Compared != 3 || ag.Same != 2 || len(ag.Diffs) != 1 {
		t.Fatalf("agreement = %+v, want 2 of 3 same, one diff", ag)
	}
	d := ag.Diffs[0]
	if d.View != "DB.S.V1" || d.Column != "B" || !cmp.Equal(d.LeftX, []string{"T.Y"}) || !cmp.Equal(d.RightX, []string{"T.Q"}) {
		t.Errorf("diff = %+v", d)
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "1000x") {
		t.Errorf("table lacks the 1000x speed-up:\n%s", buf.String())
	}
}

func TestBuildRejectsGoTimingOfOtherViews(t *testing.T) {
	goRes := Results{Tool: "tributary", Variants: []Variant{{Sets: []SetResult{{
		Name: "s", TimedViews: 3, CPUSeconds: 1,
		Views: []ViewResult{{Name: "DB.S.V1", OK: true}, {Name: "DB.S.V2", OK: true}, {Name: "DB.S.V3", OK: true}},
	}}}}}
	py := Results{Tool: "sqlglot", Variants: []Variant{{Sets: []SetResult{{
		Name:  "s",
		Views: []ViewResult{{Name: "DB.S.V1", OK: true}, {Name: "DB.S.V2", OK: false}, {Name: "DB.S.V3", OK: true}},
	}}}}}
	if _, err := Build(testInputs(), goRes, []Results{py}); err == nil || !strings.Contains(err.Error(), "-skip") {
		t.Fatalf("err = %v, want a complaint that Go timed a failed view", err)
	}
}

func TestAgreeByNameWhenColumnCountsDiffer(t *testing.T) {
	in := Inputs{Sets: []Set{{Name: "s", Views: []View{{Name: "V"}}}}}
	left := Variant{Sets: []SetResult{{Name: "s", Views: []ViewResult{{Name: "V", OK: true,
		Columns: []ColumnResult{col("A", "T.X"), col("B", "T.Y"), col("C")}}}}}}
	right := Variant{Sets: []SetResult{{Name: "s", Views: []ViewResult{{Name: "V", OK: true,
		Columns: []ColumnResult{col("B", "T.Y"), col("A", "T.X")}}}}}}
	ag := agree(in.Sets[0], left, right, map[viewKey]bool{}, "l", "r")
	if ag.Compared != 2 || ag.Same != 2 || ag.OnlyLeft != 1 || ag.OnlyRight != 0 {
		t.Errorf("agreement = %+v, want 2 compared and same, 1 only left", ag)
	}
}

func TestFailed(t *testing.T) {
	r := Results{Variants: []Variant{
		{Sets: []SetResult{{Name: "a", Views: []ViewResult{{Name: "V1", OK: true}, {Name: "V2"}}}}},
		{Sets: []SetResult{{Name: "a", Views: []ViewResult{{Name: "V1"}, {Name: "V2", OK: true}}}}},
	}}
	want := map[string]map[string]bool{"a": {"V1": true, "V2": true}}
	if diff := cmp.Diff(want, r.Failed()); diff != "" {
		t.Errorf("Failed (-want +got):\n%s", diff)
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999.4: "999", 1000: "1,000", 1234567.8: "1,234,568"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%v) = %q, want %q", in, got, want)
		}
	}
}
