// Command enginebench is the Go side of bench/compare.sh: it analyses every
// view of an input set (bench/cmd/compareinputs) on its own with
// lineage.AnalyzeSQL and the set's catalog, times it, and writes a results
// file (package bench/compare) with each view's output columns and sources.
//
// Each set is run once untimed (warm-up, and the recorded lineage), then
// -reps times, or more until the set's timed runs add up to -mintime. A timed
// run analyses every view of the set except those that failed in the results
// files given with -skip (the sqlglot side's), so both tools are timed on
// the same views. Wall time and process CPU time (user+system, GC included)
// are measured per run. The catalog is parsed once per set, outside the
// timings, as sqlglot's schema is on the other side. Run it with GOMAXPROCS=1
// to compare one core with one core (compare.sh does).
//
//	go run ./bench/cmd/enginebench -in inputs.json -out go.json -skip py.json
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/tributary-lineage/tributary/bench/compare"
	"github.com/tributary-lineage/tributary/engine/lineage"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "enginebench:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fl := flag.NewFlagSet("enginebench", flag.ContinueOnError)
	in := fl.String("in", "", "inputs JSON `file` from compareinputs (required)")
	out := fl.String("out", "", "results JSON `file` to write (required)")
	reps := fl.Int("reps", 5, "minimum timed runs over each set")
	minTime := fl.Duration("mintime", 2*time.Second, "minimum total timed duration per set")
	skip := fl.String("skip", "", "comma-separated results `files` whose failed views are left out of the timing")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *in == "" || *out == "" {
		return errors.New("-in and -out are required")
	}
	if *reps < 1 {
		return fmt.Errorf("-reps must be >= 1, got %d", *reps)
	}
	var inputs compare.Inputs
	if err := compare.ReadJSON(*in, &inputs); err != nil {
		return err
	}
	failed := map[string]map[string]bool{}
	if *skip != "" {
		for _, p := range strings.Split(*skip, ",") {
			var r compare.Results
			if err := compare.ReadJSON(p, &r); err != nil {
				return err
			}
			for set, views := range r.Failed() {
				if failed[set] == nil {
					failed[set] = map[string]bool{}
				}
				for v := range views {
					failed[set][v] = true
				}
			}
		}
	}
	variant := compare.Variant{
		Name:  "tributary",
		Label: "lineage.AnalyzeSQL per view: parse + qualify + every column's typed lineage",
	}
	for _, s := range inputs.Sets {
		sr, n, err := benchSet(s, failed[s.Name], *reps, *minTime)
		if err != nil {
			return err
		}
		variant.Reps = max(variant.Reps, n)
		variant.Sets = append(variant.Sets, sr)
	}
	res := compare.Results{
		Tool:     "tributary",
		Version:  runtime.Version(),
		Runtime:  fmt.Sprintf("%s %s/%s GOMAXPROCS=%d", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0)),
		Variants: []compare.Variant{variant},
	}
	return compare.WriteJSON(*out, res)
}

// benchSet analyses every view of s, returning the results and the number of
// timed runs made. Views in skip are analysed once but not timed.
func benchSet(s compare.Set, skip map[string]bool, minReps int, minTime time.Duration) (compare.SetResult, int, error) {
	sr := compare.SetResult{Name: s.Name}
	b, err := json.Marshal(s.Catalog)
	if err != nil {
		return sr, 0, fmt.Errorf("set %s: encode catalog: %w", s.Name, err)
	}
	cat, err := lineage.ParseCatalogJSON(b)
	if err != nil {
		return sr, 0, fmt.Errorf("set %s: %w", s.Name, err)
	}
	opts := lineage.Options{Catalog: cat, DefaultDatabase: s.DefaultDatabase, DefaultSchema: s.DefaultSchema}

	// Untimed run: warm-up and the recorded lineage.
	sr.Views = make([]compare.ViewResult, len(s.Views))
	for i, v := range s.Views {
		sr.Views[i] = record(v, lineage.AnalyzeSQL(v.SQL, opts))
	}

	var timed []string
	for _, v := range s.Views {
		if !skip[v.Name] {
			timed = append(timed, v.SQL)
		}
	}
	var total, cpu time.Duration
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n := 0
	for n < minReps || total < minTime {
		c0, err := cpuTime()
		if err != nil {
			return sr, 0, err
		}
		t0 := time.Now()
		for _, src := range timed {
			lineage.AnalyzeSQL(src, opts)
		}
		total += time.Since(t0)
		c1, err := cpuTime()
		if err != nil {
			return sr, 0, err
		}
		cpu += c1 - c0
		n++
	}
	runtime.ReadMemStats(&after)
	sr.TimedViews = len(timed)
	sr.Seconds = total.Seconds() / float64(n)
	sr.CPUSeconds = cpu.Seconds() / float64(n)
	sr.AllocBytes = int64(after.TotalAlloc-before.TotalAlloc) / int64(n)
	fmt.Fprintf(os.Stderr, "tributary %-9s %d views x %d runs in %.2fs wall, %.2fs CPU (%.0f views/s CPU)\n",
		s.Name, len(timed), n, total.Seconds(), cpu.Seconds(), float64(len(timed)*n)/cpu.Seconds())
	return sr, n, nil
}

// record turns the lineage of one view into a view result: every output
// column with the set of its source columns (all edge types of the column,
// DIRECT and column-level INDIRECT), upper-cased without quotes.
func record(v compare.View, res *lineage.Result) compare.ViewResult {
	vr := compare.ViewResult{Name: v.Name, OK: true}
	if len(res.Errors) > 0 {
		vr.OK = false
		vr.Error = res.Errors[0].Message
		return vr
	}
	if len(res.Statements) != 1 {
		vr.OK = false
		vr.Error = fmt.Sprintf("want one statement, got %d", len(res.Statements))
		return vr
	}
	st := res.Statements[0]
	vr.Unresolved = len(st.Warnings)
	for _, c := range st.Columns {
		var srcs []string
		for _, src := range c.Sources {
			srcs = append(srcs, norm(src.Column))
		}
		slices.Sort(srcs)
		srcs = slices.Compact(srcs)
		vr.Pairs += len(srcs)
		vr.Columns = append(vr.Columns, compare.ColumnResult{Name: norm(c.Name), Sources: srcs})
	}
	vr.NColumns = len(vr.Columns)
	return vr
}

// cpuTime returns the CPU time (user+system) the process has used.
func cpuTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

func norm(s string) string { return strings.ToUpper(strings.ReplaceAll(s, `"`, "")) }
