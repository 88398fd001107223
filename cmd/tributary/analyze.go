package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/tributary-lineage/tributary/engine/lineage"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
)

const analyzeSummary = `Print the column lineage of the statements in FILE (or standard input when FILE
is - or absent): CREATE VIEW, CREATE TABLE AS SELECT, INSERT ... SELECT, MERGE
and bare queries. Exit 0 when every statement was analysed, 1 when some did not
parse, 2 on bad usage.

  tributary analyze [--catalog FILE] [--default-database D] [--default-schema S]
                    [--expand-views] [--dialect snowflake] [--format json|text] [FILE|-]`

func runAnalyze(_ context.Context, e env, args []string) int {
	return analyze(e, args, os.Stdin)
}

// analyze is the analyze subcommand with its input stream injected.
func analyze(e env, args []string, stdin io.Reader) int {
	fs := newFlagSet(e, "analyze", analyzeSummary)
	catalogPath := fs.String("catalog", "", "JSON `file`: {\"DB.SCHEMA.TABLE\" | \"SCHEMA.TABLE\" | \"TABLE\": [column, ...]}")
	defDB := fs.String("default-database", "", "database of names that do not give one")
	defSchema := fs.String("default-schema", "", "schema of names that do not give one")
	expand := fs.Bool("expand-views", false, "follow views and tables created earlier in the input down to the columns they read")
	dialect := fs.String("dialect", "snowflake", "SQL dialect (only snowflake)")
	format := fs.String("format", "json", "output format: json or text")

	// Flags may come before or after FILE.
	var files []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK
			}
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(files) > 1 {
		fmt.Fprintf(e.stderr, "tributary analyze: one input file expected, got %q\n", files)
		return exitUsage
	}
	if !strings.EqualFold(*dialect, "snowflake") {
		fmt.Fprintf(e.stderr, "tributary analyze: unsupported dialect %q (only snowflake)\n", *dialect)
		return exitUsage
	}
	if *format != "json" && *format != "text" {
		fmt.Fprintf(e.stderr, "tributary analyze: unknown format %q (json or text)\n", *format)
		return exitUsage
	}
	opts := lineage.Options{DefaultDatabase: *defDB, DefaultSchema: *defSchema, ExpandViews: *expand}
	if *catalogPath != "" {
		data, err := os.ReadFile(*catalogPath)
		if err != nil {
			fmt.Fprintf(e.stderr, "tributary analyze: read catalog: %v\n", err)
			return exitUsage
		}
		cat, err := lineage.ParseCatalogJSON(data)
		if err != nil {
			fmt.Fprintf(e.stderr, "tributary analyze: catalog %s: %v\n", *catalogPath, err)
			return exitUsage
		}
		opts.Catalog = cat
	}
	var src []byte
	var err error
	if len(files) == 0 || files[0] == "-" {
		src, err = io.ReadAll(stdin)
	} else {
		src, err = os.ReadFile(files[0])
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "tributary analyze: read input: %v\n", err)
		return exitUsage
	}

	res := lineage.AnalyzeSQL(string(src), opts)
	for _, s := range res.Skipped {
		fmt.Fprintf(e.stderr, "tributary analyze: statement %d (line %d): %s\n", s.Statement, s.Line, s.Message)
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(e.stderr, "tributary analyze: write output: %v\n", err)
			return exitFail
		}
	} else if err := writeText(e.stdout, res); err != nil {
		fmt.Fprintf(e.stderr, "tributary analyze: write output: %v\n", err)
		return exitFail
	}
	if len(res.Errors) > 0 {
		return exitFail
	}
	return exitOK
}

// writeText prints the result for people: per statement an aligned table of
// output column <- source with the edge's type ("(unverified)" when the catalog
// did not list the source column) and its chain of expressions ("via ...").
func writeText(w io.Writer, res *lineage.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, st := range res.Statements {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		target := "(no target)"
		if st.Target != nil {
			target = *st.Target
		}
		fmt.Fprintf(tw, "statement %d: %s %s\n", st.Index, st.Kind, target)
		fmt.Fprintln(tw, "  COLUMN\t\tSOURCE\tTYPE")
		for _, c := range st.Columns {
			if len(c.Sources) == 0 {
				fmt.Fprintf(tw, "  %s\t<-\t(none)\t\n", c.Name)
				continue
			}
			for j, s := range c.Sources {
				name := c.Name
				if j > 0 {
					name = ""
				}
				typ := s.Type + "/" + s.Subtype
				if s.Masking {
					typ += " masked"
				}
				if !s.IsVerified() {
					typ += " (unverified)"
				}
				fmt.Fprintf(tw, "  %s\t<-\t%s\t%s", name, s.Column, typ)
				if len(s.Expressions) > 0 {
					fmt.Fprintf(tw, "\tvia %s", graph.FormatSteps(ingest.Steps(s)))
				}
				fmt.Fprintln(tw)
			}
		}
		for _, in := range st.Indirect {
			fmt.Fprintf(tw, "  (statement)\t<-\t%s\tINDIRECT/%s\n", in.Column, in.Subtype)
		}
		for _, wn := range st.Warnings {
			fmt.Fprintf(tw, "  warning %d:%d: %s\n", wn.Line, wn.Col, wn.Message)
		}
	}
	for _, er := range res.Errors {
		fmt.Fprintf(tw, "error: statement %d at %d:%d: %s\n", er.Statement, er.Line, er.Col, er.Message)
	}
	return tw.Flush()
}
