// Command comparereport prints the result of bench/compare.sh: the throughput
// of Tributary's engine and of each sqlglot variant per input set, the speed-up
// and the agreement of the two tools' source sets. Views any tool failed on
// are left out of every tool's numbers, and listed.
//
//	go run ./bench/cmd/comparereport -in inputs.json -go go.json py-pure.json py-compiled.json
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tributary-lineage/tributary/bench/compare"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "comparereport:", err)
		os.Exit(1)
	}
}

func run(args []string, w io.Writer) error {
	fl := flag.NewFlagSet("comparereport", flag.ContinueOnError)
	in := fl.String("in", "", "inputs JSON `file` (required)")
	goRes := fl.String("go", "", "enginebench results `file` (required)")
	diffs := fl.Int("diffs", 8, "differing columns to list per set")
	diffsOut := fl.String("diffs-out", "", "also write every differing column to this `file`")
	mdOut := fl.String("markdown-out", "", "also write the tables as Markdown to this `file`")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *in == "" || *goRes == "" || fl.NArg() == 0 {
		return errors.New("usage: comparereport -in INPUTS -go GO_RESULTS SQLGLOT_RESULTS...")
	}
	var inputs compare.Inputs
	if err := compare.ReadJSON(*in, &inputs); err != nil {
		return err
	}
	var base compare.Results
	if err := compare.ReadJSON(*goRes, &base); err != nil {
		return err
	}
	var others []compare.Results
	for _, p := range fl.Args() {
		var r compare.Results
		if err := compare.ReadJSON(p, &r); err != nil {
			return err
		}
		others = append(others, r)
	}
	rep, err := compare.Build(inputs, base, others)
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "Input sets:")
	for _, s := range inputs.Sets {
		fmt.Fprintf(w, "  %-9s %s\n", s.Name, s.Description)
	}
	fmt.Fprintf(w, "Runtimes: tributary %s", base.Runtime)
	for _, r := range others {
		fmt.Fprintf(w, "; sqlglot %s on %s (compiled: %v)", r.Version, r.Runtime, r.Compiled)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Timed runs: tributary %d+ per set", base.Variants[0].Reps)
	for _, r := range others {
		for _, v := range r.Variants {
			fmt.Fprintf(w, "; %s%s %d", v.Name, map[bool]string{true: " (compiled)"}[r.Compiled], v.Reps)
		}
	}
	fmt.Fprintln(w)
	nExcl := 0
	for _, set := range rep.Sets {
		for _, e := range rep.Excluded[set] {
			if nExcl == 0 {
				fmt.Fprintln(w, "Excluded from every tool's timing (a tool failed on them):")
			}
			nExcl++
			fmt.Fprintf(w, "  %s %s: %s\n", set, e.View, e.Reason)
		}
	}
	if nExcl == 0 {
		fmt.Fprintln(w, "Excluded views: none (every tool analysed every view)")
	}
	fmt.Fprintln(w)
	if err := rep.WriteTable(w); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if best, worst, b, ok := rep.Headline(); ok {
		fmt.Fprintf(w, "Throughput ratio (set %s, %d views): tributary %.0f views/s; %.0fx the fastest sqlglot variant (%s %s, %.1f views/s), %.0fx the slowest (%s %s, %.1f views/s)\n",
			b.Set, b.Views, b.ViewsPS, b.ViewsPS/best.ViewsPS, best.Tool, best.Variant, best.ViewsPS,
			b.ViewsPS/worst.ViewsPS, worst.Tool, worst.Variant, worst.ViewsPS)
	}
	fmt.Fprint(w, "Tributary allocations per view:")
	for _, s := range base.Variants[0].Sets {
		if s.TimedViews > 0 {
			fmt.Fprintf(w, " %s %.1f KB;", s.Name, float64(s.AllocBytes)/float64(s.TimedViews)/1000)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	rep.WriteAgreement(w, *diffs)
	if *mdOut != "" {
		var sb strings.Builder
		rep.WriteMarkdown(&sb)
		if err := os.WriteFile(*mdOut, []byte(sb.String()), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", *mdOut, err)
		}
	}
	if *diffsOut != "" {
		var sb strings.Builder
		for _, ag := range rep.Agree {
			for _, d := range ag.Diffs {
				fmt.Fprintf(&sb, "%s\t%s.%s\n  tributary: %s\n  sqlglot:   %s\n  only tributary: %s\n  only sqlglot:   %s\n",
					ag.Set, d.View, d.Column, strings.Join(d.Left, ", "), strings.Join(d.Right, ", "),
					strings.Join(d.LeftX, ", "), strings.Join(d.RightX, ", "))
			}
		}
		if err := os.WriteFile(*diffsOut, []byte(sb.String()), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", *diffsOut, err)
		}
	}
	return nil
}
