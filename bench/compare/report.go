package compare

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Row is the throughput of one tool variant on one set, over the views every
// tool and variant analysed (the common views).
type Row struct {
	Set        string
	Tool       string // "tributary", "sqlglot 30.30.0", "sqlglot 30.30.0 (compiled)"
	Variant    string
	Views      int     // common views
	Columns    int     // output columns over the common views, as this variant counted them
	Pairs      int     // (output column, source column) pairs found
	Seconds    float64 // mean wall time of one run over the common views
	CPUSeconds float64 // mean CPU time of one run over the common views
	ViewsPS    float64 // views per CPU second
	ColsPS     float64 // output columns per CPU second
	WallPS     float64 // views per wall-clock second
	Baseline   bool    // the Go engine's row, that ratios divide
}

// Agreement compares, over the common views, the source sets the reference
// variants of two tools give each output column.
type Agreement struct {
	Set       string
	Compared  int // (view, column) pairs present on both sides
	Same      int // equal source sets
	OnlyLeft  int // columns only the left tool lists (column count or names differ)
	OnlyRight int
	Diffs     []ColumnDiff
}

// ColumnDiff is one output column whose source sets differ.
type ColumnDiff struct {
	View, Column  string
	Left, Right   []string // full source sets
	LeftX, RightX []string // sources only on that side
	LeftN, RightN string   // tool names
	// MatchedByName is set when the two sides have different numbers of
	// columns and the column was matched by name, not position.
	MatchedByName bool
}

// Report is the comparison of one Go results file with one or more sqlglot ones.
type Report struct {
	Sets     []string
	Excluded map[string][]Excluded // per set: views left out of the timing and why
	Rows     []Row                 // per set, then "all" (the sets together)
	Agree    []Agreement
}

// Excluded is a view left out of every timing, with why.
type Excluded struct {
	View   string
	Reason string
}

type viewKey struct{ set, view string }

// Build computes the report. base is the Go engine's results (its first
// variant is the baseline and its columns the left side of the agreement);
// others are sqlglot's, whose recorded columns (the variant that has them)
// are the right side.
func Build(in Inputs, base Results, others []Results) (*Report, error) {
	if len(base.Variants) == 0 {
		return nil, fmt.Errorf("report: %s results have no variant", base.Tool)
	}
	type variantRef struct {
		tool string
		v    Variant
	}
	all := []variantRef{{base.Tool, base.Variants[0]}}
	for _, r := range others {
		name := r.Tool + " " + r.Version
		if r.Compiled {
			name += " (compiled)"
		}
		for _, v := range r.Variants {
			all = append(all, variantRef{name, v})
		}
	}
	// Index every view result; find the views that failed anywhere.
	idx := make([]map[viewKey]ViewResult, len(all))
	rep := &Report{Excluded: map[string][]Excluded{}}
	bad := map[viewKey]bool{}
	for i, vr := range all {
		idx[i] = map[viewKey]ViewResult{}
		for _, s := range vr.v.Sets {
			for _, r := range s.Views {
				k := viewKey{s.Name, r.Name}
				idx[i][k] = r
				if !r.OK && !bad[k] {
					bad[k] = true
					rep.Excluded[s.Name] = append(rep.Excluded[s.Name], Excluded{View: r.Name,
						Reason: fmt.Sprintf("%s %s: %s", vr.tool, vr.v.Name, r.Error)})
				}
			}
		}
	}
	total := make([]Row, len(all))
	for _, s := range in.Sets {
		rep.Sets = append(rep.Sets, s.Name)
		for i, vr := range all {
			row := Row{Set: s.Name, Tool: vr.tool, Variant: vr.v.Name, Baseline: i == 0}
			for _, v := range s.Views {
				k := viewKey{s.Name, v.Name}
				r, ok := idx[i][k]
				if !ok {
					return nil, fmt.Errorf("report: %s %s has no result for %s view %s", vr.tool, vr.v.Name, s.Name, v.Name)
				}
				if bad[k] {
					continue
				}
				row.Views++
				row.Columns += r.NColumns
				row.Pairs += r.Pairs
				row.Seconds += r.Seconds
				row.CPUSeconds += r.CPUSeconds
			}
			if sr, ok := setResult(vr.v, s.Name); ok && sr.TimedViews > 0 {
				// Timed per run over the set: it must have timed the common views.
				if sr.TimedViews != row.Views {
					return nil, fmt.Errorf("report: %s timed %d views of set %s, but %d views are common to every tool (run it with -skip)",
						vr.tool, sr.TimedViews, s.Name, row.Views)
				}
				row.Seconds, row.CPUSeconds = sr.Seconds, sr.CPUSeconds
			}
			row.rates()
			rep.Rows = append(rep.Rows, row)
			t := &total[i]
			t.Set, t.Tool, t.Variant, t.Baseline = "all", row.Tool, row.Variant, row.Baseline
			t.Views += row.Views
			t.Columns += row.Columns
			t.Pairs += row.Pairs
			t.Seconds += row.Seconds
			t.CPUSeconds += row.CPUSeconds
		}
	}
	if len(in.Sets) > 1 {
		for i := range total {
			total[i].rates()
		}
		rep.Rows = append(rep.Rows, total...)
		rep.Sets = append(rep.Sets, "all")
	}
	// Agreement: the base's columns against each sqlglot file's recorded variant.
	for _, r := range others {
		right, ok := recorded(r)
		if !ok {
			continue
		}
		name := r.Tool + " " + r.Version
		if r.Compiled {
			name += " (compiled)"
		}
		for _, s := range in.Sets {
			ag := agree(s, base.Variants[0], right, bad, base.Tool, name)
			rep.Agree = append(rep.Agree, ag)
		}
		break // the sqlglot builds compute the same lineage; one comparison is enough
	}
	return rep, nil
}

func (r *Row) rates() {
	if r.CPUSeconds > 0 {
		r.ViewsPS = float64(r.Views) / r.CPUSeconds
		r.ColsPS = float64(r.Columns) / r.CPUSeconds
	}
	if r.Seconds > 0 {
		r.WallPS = float64(r.Views) / r.Seconds
	}
}

func setResult(v Variant, set string) (SetResult, bool) {
	for _, s := range v.Sets {
		if s.Name == set {
			return s, true
		}
	}
	return SetResult{}, false
}

// recorded returns the variant of r that carries columns.
func recorded(r Results) (Variant, bool) {
	for _, v := range r.Variants {
		for _, s := range v.Sets {
			for _, vr := range s.Views {
				if len(vr.Columns) > 0 {
					return v, true
				}
			}
		}
	}
	return Variant{}, false
}

func setViews(v Variant, set string) map[string]ViewResult {
	m := map[string]ViewResult{}
	for _, s := range v.Sets {
		if s.Name == set {
			for _, r := range s.Views {
				m[r.Name] = r
			}
		}
	}
	return m
}

// agree matches the output columns of each common view by position when both
// sides have as many columns (a view column list renames the select's), else
// by name, and compares their source sets.
func agree(s Set, left, right Variant, bad map[viewKey]bool, leftName, rightName string) Agreement {
	ag := Agreement{Set: s.Name}
	lv, rv := setViews(left, s.Name), setViews(right, s.Name)
	for _, v := range s.Views {
		if bad[viewKey{s.Name, v.Name}] {
			continue
		}
		l, r := lv[v.Name].Columns, rv[v.Name].Columns
		byPos := len(l) == len(r)
		rByName := map[string]ColumnResult{}
		for _, c := range r {
			rByName[c.Name] = c
		}
		seen := map[string]bool{}
		for i, lc := range l {
			var rc ColumnResult
			var ok bool
			if byPos {
				rc, ok = r[i], true
			} else {
				rc, ok = rByName[lc.Name]
			}
			if !ok {
				ag.OnlyLeft++
				continue
			}
			seen[rc.Name] = true
			ag.Compared++
			if slices.Equal(lc.Sources, rc.Sources) {
				ag.Same++
				continue
			}
			ag.Diffs = append(ag.Diffs, ColumnDiff{
				View: v.Name, Column: lc.Name, Left: lc.Sources, Right: rc.Sources,
				LeftX: minus(lc.Sources, rc.Sources), RightX: minus(rc.Sources, lc.Sources),
				LeftN: leftName, RightN: rightName, MatchedByName: !byPos,
			})
		}
		if !byPos {
			for _, rc := range r {
				if !seen[rc.Name] {
					ag.OnlyRight++
				}
			}
		}
	}
	return ag
}

// minus returns the elements of a (sorted) not in b (sorted).
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	return out
}

// WriteTable prints the throughput table: per set, every tool variant with
// CPU ms/view, views/s and columns/s per CPU second, the Go engine's speed-up
// over it, and the same throughput and speed-up by wall-clock time.
func (rep *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "set\ttool\tvariant\tviews\tcolumns\tpairs\tCPU ms/view\tviews/s\tcolumns/s\tspeed-up\twall views/s\twall speed-up\t")
	for _, set := range rep.Sets {
		var base *Row
		for i := range rep.Rows {
			if rep.Rows[i].Set == set && rep.Rows[i].Baseline {
				base = &rep.Rows[i]
			}
		}
		for _, r := range rep.Rows {
			if r.Set != set {
				continue
			}
			ratio, wratio := "-", "-"
			if !r.Baseline && base != nil && r.ViewsPS > 0 && r.WallPS > 0 {
				ratio = fmt.Sprintf("%.0fx", base.ViewsPS/r.ViewsPS)
				wratio = fmt.Sprintf("%.0fx", base.WallPS/r.WallPS)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%.3f\t%.1f\t%.0f\t%s\t%.1f\t%s\t\n", r.Set, r.Tool, r.Variant, r.Views,
				r.Columns, r.Pairs, 1000*r.CPUSeconds/float64(max(r.Views, 1)), r.ViewsPS, r.ColsPS, ratio, r.WallPS, wratio)
		}
	}
	return tw.Flush()
}

// Headline returns the Go engine's speed-up over the fastest and the slowest
// sqlglot variant on the set "all" (or the only set).
func (rep *Report) Headline() (best, worst Row, base Row, ok bool) {
	set := rep.Sets[len(rep.Sets)-1]
	for _, r := range rep.Rows {
		if r.Set != set {
			continue
		}
		if r.Baseline {
			base = r
			continue
		}
		if !ok || r.ViewsPS > best.ViewsPS {
			best = r
		}
		if !ok || r.ViewsPS < worst.ViewsPS {
			worst = r
		}
		ok = true
	}
	return best, worst, base, ok
}

// WriteAgreement prints the agreement per set and up to maxDiffs differing
// columns per set.
func (rep *Report) WriteAgreement(w io.Writer, maxDiffs int) {
	var same, compared int
	for _, ag := range rep.Agree {
		same += ag.Same
		compared += ag.Compared
	}
	if compared > 0 {
		fmt.Fprintf(w, "agreement all       %d/%d output columns with the same source set (%.1f%%)\n",
			same, compared, 100*float64(same)/float64(compared))
	}
	for _, ag := range rep.Agree {
		pct := 0.0
		if ag.Compared > 0 {
			pct = 100 * float64(ag.Same) / float64(ag.Compared)
		}
		fmt.Fprintf(w, "agreement %-9s %d/%d output columns with the same source set (%.1f%%)", ag.Set, ag.Same, ag.Compared, pct)
		if ag.OnlyLeft+ag.OnlyRight > 0 {
			fmt.Fprintf(w, "; unmatched columns: %d only in tributary, %d only in sqlglot", ag.OnlyLeft, ag.OnlyRight)
		}
		fmt.Fprintln(w)
		for i, d := range ag.Diffs {
			if i == maxDiffs {
				fmt.Fprintf(w, "  ... %d more\n", len(ag.Diffs)-maxDiffs)
				break
			}
			fmt.Fprintf(w, "  %s.%s: only tributary %s; only sqlglot %s\n", d.View, d.Column, list(d.LeftX), list(d.RightX))
		}
	}
}

func list(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// WriteMarkdown prints the throughput and agreement tables as Markdown (the
// form docs/benchmarks.md uses).
func (rep *Report) WriteMarkdown(w io.Writer) {
	fmt.Fprintln(w, "| set | tool | views/s | columns/s | CPU ms/view | Tributary speed-up | wall-clock speed-up |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: |")
	for _, set := range rep.Sets {
		var base Row
		for _, r := range rep.Rows {
			if r.Set == set && r.Baseline {
				base = r
			}
		}
		for _, r := range rep.Rows {
			if r.Set != set {
				continue
			}
			ms := 1000 * r.CPUSeconds / float64(max(r.Views, 1))
			if r.Baseline {
				fmt.Fprintf(w, "| %s | **Tributary** | **%s** | **%s** | %.3f | | |\n", set, thousands(r.ViewsPS), thousands(r.ColsPS), ms)
				continue
			}
			name := strings.Fields(r.Tool)[0] // the tool without its version
			if strings.HasSuffix(r.Tool, "(compiled)") {
				name += " compiled"
			}
			fmt.Fprintf(w, "| %s | %s %s | %s | %s | %.2f | %s× | %s× |\n", set, name, r.Variant, small(r.ViewsPS), thousands(r.ColsPS), ms,
				thousands(base.ViewsPS/r.ViewsPS), thousands(base.WallPS/r.WallPS))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| set | same | compared | |")
	fmt.Fprintln(w, "| --- | ---: | ---: | --- |")
	var same, compared int
	for _, ag := range rep.Agree {
		same += ag.Same
		compared += ag.Compared
		fmt.Fprintf(w, "| %s | %s | %s | %.1f%% |\n", ag.Set, thousands(float64(ag.Same)), thousands(float64(ag.Compared)), pct(ag.Same, ag.Compared))
	}
	fmt.Fprintf(w, "| all | %s | %s | %.1f%% |\n", thousands(float64(same)), thousands(float64(compared)), pct(same, compared))
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// small prints a rate with one decimal below 1000, else as thousands.
func small(f float64) string {
	if f < 1000 {
		return fmt.Sprintf("%.1f", f)
	}
	return thousands(f)
}

// thousands rounds f and writes it with comma separators.
func thousands(f float64) string {
	s := fmt.Sprintf("%.0f", f)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
