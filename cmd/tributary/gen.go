package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/tributary-lineage/tributary/internal/synth"
)

func runGen(_ context.Context, e env, args []string) int {
	fs := newFlagSet(e, "gen", "Generate a deterministic synthetic Snowflake warehouse into OUT_DIR: one CREATE VIEW per\n"+
		".sql file in a folder per schema, plus catalog.json and catalog_types.json for the base tables.\n"+
		"With --dbt, OUT_DIR/manifest.json instead: the same warehouse as a dbt manifest (one model per view, one\n"+
		"source per base table) for `tributary ingest --source dbt:OUT_DIR/manifest.json`.\n"+
		"Usage: tributary gen [flags] OUT_DIR")
	views := fs.Int("views", synth.DefaultViews, "number of views")
	columns := fs.Int("columns", synth.DefaultColumns, "average columns per view and base table (>= 3)")
	depth := fs.Int("depth", synth.DefaultDepth, "view layers above the base tables")
	seed := fs.Int64("seed", 1, "random seed: the same flags give the same files")
	database := fs.String("database", synth.DefaultDatabase, "database of every schema")
	tables := fs.Int("tables", 0, "base tables (0: max(5, views/10))")
	dbtManifest := fs.Bool("dbt", false, "write a dbt manifest.json instead of .sql files and catalogs")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "tributary gen: want exactly one OUT_DIR argument")
		return exitUsage
	}
	opts := synth.Options{Views: *views, Columns: *columns, Depth: *depth, Seed: *seed, Database: *database, Tables: *tables}
	if err := opts.Validate(); err != nil {
		fmt.Fprintf(e.stderr, "tributary gen: %v\n", err)
		return exitUsage
	}
	w := synth.Generate(opts)
	files := w.AllFiles()
	if *dbtManifest {
		data, err := w.DBTManifest()
		if err != nil {
			fmt.Fprintf(e.stderr, "tributary gen: %v\n", err)
			return exitFail
		}
		files = []synth.File{{Path: "manifest.json", Content: data}}
	}
	if err := synth.WriteDir(fs.Arg(0), files); err != nil {
		fmt.Fprintf(e.stderr, "tributary gen: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "wrote %s: %s\n", fs.Arg(0), w.Stats())
	return exitOK
}
