// Command compareinputs writes the input set of the sqlglot comparison
// (bench/compare.sh) as one JSON file that both sides read:
//
//   - demo: the 73 working views of examples/warehouse (the deliberately
//     broken one left out), default database ANALYTICS, with a catalog of
//     the raw tables plus every view's output columns, so each view can be
//     analysed on its own (stars over upstream views expand);
//   - synth: a generated warehouse (internal/synth) with CatalogWithViews;
//   - bench200: engine/sql/testdata/snowflake-syntax/bench/bench_200.sql with its hand-written catalog.
//
// The demo views' columns are not written anywhere in the warehouse, so they
// are computed here with Tributary's engine: every view is analysed against
// the catalog known so far until the columns stop changing. Both tools then
// get the same catalog.
//
//	go run ./bench/cmd/compareinputs -synth-views 200 -out /tmp/inputs.json
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/tributary-lineage/tributary/bench/compare"
	"github.com/tributary-lineage/tributary/engine/lineage"
	"github.com/tributary-lineage/tributary/examples/warehouse"
	"github.com/tributary-lineage/tributary/internal/synth"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "compareinputs:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fl := flag.NewFlagSet("compareinputs", flag.ContinueOnError)
	out := fl.String("out", "", "output JSON `file` (required)")
	sets := fl.String("sets", "demo,synth,bench200", "comma-separated sets to write")
	synthViews := fl.Int("synth-views", 100, "views of the generated warehouse")
	synthColumns := fl.Int("synth-columns", 0, "average columns per generated view (0: synth default)")
	synthSeed := fl.Int64("synth-seed", 1, "seed of the generated warehouse")
	bench200 := fl.String("bench200", "engine/sql/testdata/snowflake-syntax/bench/bench_200.sql", "bench_200.sql `file`")
	bench200Cat := fl.String("bench200-catalog", "bench/testdata/bench_200_catalog_types.json", "its catalog `file` (name/type form)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-out is required")
	}
	var in compare.Inputs
	for _, name := range strings.Split(*sets, ",") {
		var (
			s   compare.Set
			err error
		)
		switch strings.TrimSpace(name) {
		case "demo":
			s, err = demoSet()
		case "synth":
			s, err = synthSet(synth.Options{Views: *synthViews, Columns: *synthColumns, Seed: *synthSeed})
		case "bench200":
			s, err = bench200Set(*bench200, *bench200Cat)
		default:
			err = fmt.Errorf("unknown set %q (want demo, synth, bench200)", name)
		}
		if err != nil {
			return err
		}
		in.Sets = append(in.Sets, s)
	}
	return compare.WriteJSON(*out, in)
}

// typedColumn is a column of a catalog_types.json file.
type typedColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// splitTypes turns {"T": [{"name","type"}]} into a names catalog and a types map.
func splitTypes(typed map[string][]typedColumn) (names, types map[string][]string) {
	names = make(map[string][]string, len(typed))
	types = make(map[string][]string, len(typed))
	for k, cols := range typed {
		for _, c := range cols {
			names[k] = append(names[k], c.Name)
			types[k] = append(types[k], c.Type)
		}
	}
	return names, types
}

func demoSet() (compare.Set, error) {
	s := compare.Set{
		Name:            "demo",
		DefaultDatabase: warehouse.DefaultDatabase,
	}
	b, err := fs.ReadFile(warehouse.FS, warehouse.CatalogTypesFile)
	if err != nil {
		return s, fmt.Errorf("demo: %w", err)
	}
	var typed map[string][]typedColumn
	if err := json.Unmarshal(b, &typed); err != nil {
		return s, fmt.Errorf("demo: decode %s: %w", warehouse.CatalogTypesFile, err)
	}
	s.Catalog, s.Types = splitTypes(typed)

	var files []string
	err = fs.WalkDir(warehouse.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && path.Ext(p) == ".sql" && p != warehouse.BrokenFile {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return s, fmt.Errorf("demo: list views: %w", err)
	}
	slices.Sort(files)
	for _, f := range files {
		b, err := fs.ReadFile(warehouse.FS, f)
		if err != nil {
			return s, fmt.Errorf("demo: %w", err)
		}
		s.Views = append(s.Views, compare.View{File: "examples/warehouse/" + f, SQL: string(b)})
	}
	if err := addViewColumns(&s); err != nil {
		return s, fmt.Errorf("demo: %w", err)
	}
	s.Description = fmt.Sprintf("examples/warehouse: %d views (broken_view.sql excluded), default database %s; "+
		"catalog: %d raw tables + the views' own columns", len(s.Views), s.DefaultDatabase, len(typed))
	return s, nil
}

// addViewColumns names every view of s and adds its output columns to
// s.Catalog, analysing the views against the catalog known so far until
// nothing changes (a view's columns can depend on a star over another view).
func addViewColumns(s *compare.Set) error {
	const maxRounds = 20
	base := len(s.Catalog)
	for round := 0; ; round++ {
		if round == maxRounds {
			return fmt.Errorf("view columns did not settle after %d rounds", maxRounds)
		}
		b, err := json.Marshal(s.Catalog)
		if err != nil {
			return fmt.Errorf("encode catalog: %w", err)
		}
		cat, err := lineage.ParseCatalogJSON(b)
		if err != nil {
			return err
		}
		changed := false
		for i := range s.Views {
			v := &s.Views[i]
			res := lineage.AnalyzeSQL(v.SQL, lineage.Options{Catalog: cat, DefaultDatabase: s.DefaultDatabase})
			if len(res.Errors) > 0 || len(res.Statements) != 1 || res.Statements[0].Target == nil {
				return fmt.Errorf("%s: want one analysed CREATE VIEW, got %d statements and %d errors",
					v.File, len(res.Statements), len(res.Errors))
			}
			st := res.Statements[0]
			v.Name = *st.Target
			cols := make([]string, len(st.Columns))
			for j, c := range st.Columns {
				cols[j] = c.Name
			}
			if !slices.Equal(s.Catalog[v.Name], cols) {
				s.Catalog[v.Name] = cols
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	if len(s.Catalog) != base+len(s.Views) {
		return fmt.Errorf("catalog has %d entries, want %d tables + %d views", len(s.Catalog), base, len(s.Views))
	}
	return nil
}

func synthSet(opts synth.Options) (compare.Set, error) {
	if err := opts.Validate(); err != nil {
		return compare.Set{}, err
	}
	w := synth.Generate(opts)
	s := compare.Set{Name: "synth", DefaultDatabase: w.Options.Database}
	if err := json.Unmarshal(w.CatalogWithViews(), &s.Catalog); err != nil {
		return s, fmt.Errorf("synth: decode catalog: %w", err)
	}
	s.Types = make(map[string][]string, len(s.Catalog))
	for _, t := range w.Tables {
		for _, c := range t.Columns {
			s.Types[t.Name] = append(s.Types[t.Name], c.Type)
		}
	}
	for i, v := range w.Views {
		for _, c := range v.Columns {
			s.Types[v.Name] = append(s.Types[v.Name], c.Type)
		}
		s.Views = append(s.Views, compare.View{Name: v.Name, File: "synth:" + v.Path, SQL: string(w.Files[i].Content)})
	}
	st := w.Stats()
	s.Description = fmt.Sprintf("internal/synth: %d views (seed %d, %d layers, %d output columns, %d KiB of SQL) over %d tables; "+
		"catalog: tables + views (CatalogWithViews)", st.Views, w.Options.Seed, w.Options.Depth, st.ViewColumns, st.SQLBytes/1024, st.Tables)
	return s, nil
}

func bench200Set(sqlFile, catFile string) (compare.Set, error) {
	s := compare.Set{Name: "bench200"}
	sqlText, err := os.ReadFile(sqlFile)
	if err != nil {
		return s, fmt.Errorf("bench200: %w", err)
	}
	b, err := os.ReadFile(catFile)
	if err != nil {
		return s, fmt.Errorf("bench200: %w", err)
	}
	var typed map[string][]typedColumn
	if err := json.Unmarshal(b, &typed); err != nil {
		return s, fmt.Errorf("bench200: decode %s: %w", catFile, err)
	}
	s.Catalog, s.Types = splitTypes(typed)
	res := lineage.AnalyzeSQL(string(sqlText), lineage.Options{})
	if len(res.Statements) != 1 || res.Statements[0].Target == nil {
		return s, fmt.Errorf("bench200: %s: want one CREATE VIEW", sqlFile)
	}
	s.Views = []compare.View{{Name: *res.Statements[0].Target, File: sqlFile, SQL: string(sqlText)}}
	s.Description = fmt.Sprintf("%s: one 180-line view (9 CTEs, FLATTEN, QUALIFY, windows) with a hand-written catalog of %d tables",
		sqlFile, len(typed))
	return s, nil
}
