package synth

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGenerateDeterministic(t *testing.T) {
	opts := Options{Views: 300, Columns: 25, Depth: 6, Seed: 7}
	a, b := Generate(opts), Generate(opts)
	if diff := cmp.Diff(a.AllFiles(), b.AllFiles()); diff != "" {
		t.Fatalf("two runs with the same seed differ (-first +second):\n%s", diff)
	}
}

func TestGenerateSeedsDiffer(t *testing.T) {
	a := Generate(Options{Views: 50, Seed: 1})
	b := Generate(Options{Views: 50, Seed: 2})
	same := 0
	for i := range a.Files {
		if bytes.Equal(a.Files[i].Content, b.Files[i].Content) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d of %d view files identical across seeds 1 and 2", same, len(a.Files))
	}
	if bytes.Equal(a.Catalog, b.Catalog) {
		t.Error("catalogs identical across seeds 1 and 2")
	}
}

func TestGenerateCounts(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"small", Options{Views: 12, Columns: 6, Depth: 3, Seed: 3, Tables: 4}},
		{"wide", Options{Views: 200, Columns: 40, Depth: 8, Seed: 4}},
		{"deep", Options{Views: 60, Columns: 12, Depth: 30, Seed: 5}},
		{"defaults", Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := Generate(tt.opts)
			o := tt.opts.Normalize()
			if len(w.Views) != o.Views || len(w.Files) != o.Views {
				t.Fatalf("got %d views and %d files, want %d", len(w.Views), len(w.Files), o.Views)
			}
			if len(w.Tables) != o.Tables {
				t.Errorf("got %d tables, want %d", len(w.Tables), o.Tables)
			}
			avg := float64(w.ColumnCount()) / float64(len(w.Views))
			if avg < 0.8*float64(o.Columns) || avg > 1.2*float64(o.Columns) {
				t.Errorf("average columns per view %.1f, want about %d", avg, o.Columns)
			}
			layers := map[int]int{}
			for _, v := range w.Views {
				layers[v.Layer]++
			}
			for l := 1; l <= o.Depth; l++ {
				if layers[l] == 0 {
					t.Errorf("layer %d has no views", l)
				}
			}
			if len(layers) != o.Depth {
				t.Errorf("views spread over %d layers, want %d", len(layers), o.Depth)
			}
		})
	}
}

// TestGenerateReferencesExist checks every recorded column read against the
// generator's model: base tables, views of lower layers, and the view's own
// CTEs and derived tables.
func TestGenerateReferencesExist(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 99} {
		w := Generate(Options{Views: 400, Columns: 15, Depth: 7, Seed: seed})
		cols := map[string]map[string]bool{}
		layer := map[string]int{}
		for _, tb := range w.Tables {
			cols[tb.Name] = names(tb.Columns)
			layer[tb.Name] = 0
		}
		for _, v := range w.Views {
			if len(v.Refs) == 0 {
				t.Errorf("seed %d: %s reads no column", seed, v.Name)
			}
			sqlUpper := strings.ToUpper(string(fileOf(w, v).Content))
			words := map[string]bool{}
			for _, tok := range wordRE.FindAllString(sqlUpper, -1) {
				words[tok] = true
			}
			locals := map[string]map[string]bool{}
			for _, l := range v.Locals {
				locals[l.Name] = names(l.Columns)
			}
			for _, r := range v.Refs {
				src := cols[r.Relation]
				if r.Local {
					src = locals[r.Relation]
				} else if l, ok := layer[r.Relation]; !ok || l >= v.Layer {
					t.Errorf("seed %d: %s (layer %d) reads %s which is not in a lower layer", seed, v.Name, v.Layer, r.Relation)
					continue
				}
				if !src[r.Column] {
					t.Errorf("seed %d: %s reads %s.%s which does not exist", seed, v.Name, r.Relation, r.Column)
				}
				if !r.Star && !words[r.Column] {
					t.Errorf("seed %d: %s records a read of %s.%s its SQL does not name", seed, v.Name, r.Relation, r.Column)
				}
			}
			for _, s := range v.Sources {
				if !strings.Contains(sqlUpper, s+" AS ") {
					t.Errorf("seed %d: %s lists source %s that its SQL does not read", seed, v.Name, s)
				}
			}
			out := names(v.Columns)
			if len(out) != len(v.Columns) {
				t.Errorf("seed %d: %s has duplicate output columns %v", seed, v.Name, v.Columns)
			}
			cols[v.Name] = out
			layer[v.Name] = v.Layer
		}
	}
}

func TestGenerateDepthChain(t *testing.T) {
	// every view reads at least one relation of the layer just below, so the
	// longest source chain equals the depth
	w := Generate(Options{Views: 90, Columns: 8, Depth: 9, Seed: 11})
	layer := map[string]int{}
	for _, v := range w.Views {
		layer[v.Name] = v.Layer
	}
	for _, v := range w.Views {
		ok := false
		for _, s := range v.Sources {
			if layer[s] == v.Layer-1 { // tables are absent from the map: layer 0
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s (layer %d) reads nothing from layer %d: %v", v.Name, v.Layer, v.Layer-1, v.Sources)
		}
	}
}

func TestGenerateVariety(t *testing.T) {
	w := Generate(Options{Views: 1500, Columns: 20, Depth: 6, Seed: 21})
	var all strings.Builder
	shapes := map[string]int{}
	for i, f := range w.Files {
		all.Write(f.Content)
		shapes[w.Views[i].Shape]++
	}
	sql := all.String()
	for _, want := range []string{"WITH cleaned AS (", "LEFT JOIN", "FULL OUTER JOIN", "GROUP BY ALL", "GROUP BY 2",
		"CASE\n", "IFF(", "OVER (PARTITION BY", "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", "QUALIFY ROW_NUMBER()",
		"* EXCLUDE (", "s.* EXCLUDE (", "* RENAME (", "* REPLACE (", "s.*,", "UNION ALL\n", "UNION ALL BY NAME", "SHA2(",
		"USING (ID)", ") AS agg", "LATERAL FLATTEN(input => ", "TABLE(FLATTEN(input => ", ":items[0].sku::STRING", "f.VALUE:sku::STRING", "HAVING COUNT(*) > 1", "CREATE OR REPLACE SECURE VIEW", "create or replace view"} {
		if !strings.Contains(sql, want) && !strings.Contains(strings.ToLower(sql), want) {
			t.Errorf("no generated view contains %q", want)
		}
	}
	for _, s := range shapeNames {
		if shapes[s] == 0 {
			t.Errorf("no view of shape %s", s)
		}
	}
}

func TestCatalogJSON(t *testing.T) {
	w := Generate(Options{Views: 20, Tables: 7, Seed: 5, Database: "scale"})
	var names map[string][]string
	if err := json.Unmarshal(w.Catalog, &names); err != nil {
		t.Fatalf("catalog.json: %v", err)
	}
	var types map[string][]Column
	if err := json.Unmarshal(w.CatalogTypes, &types); err != nil {
		t.Fatalf("catalog_types.json: %v", err)
	}
	if len(names) != 7 || len(types) != 7 {
		t.Fatalf("catalog has %d tables, typed catalog %d, want 7", len(names), len(types))
	}
	for _, tb := range w.Tables {
		if !strings.HasPrefix(tb.Name, "SCALE.RAW.") {
			t.Errorf("table %s not in SCALE.RAW", tb.Name)
		}
		want := make([]string, len(tb.Columns))
		for i, c := range tb.Columns {
			want[i] = c.Name
		}
		if diff := cmp.Diff(want, names[tb.Name]); diff != "" {
			t.Errorf("catalog columns of %s (-model +json):\n%s", tb.Name, diff)
		}
		if diff := cmp.Diff(tb.Columns, types[tb.Name]); diff != "" {
			t.Errorf("typed catalog of %s (-model +json):\n%s", tb.Name, diff)
		}
	}
}

func TestCatalogWithViews(t *testing.T) {
	w := Generate(Options{Views: 30, Tables: 4, Seed: 8})
	var got map[string][]string
	if err := json.Unmarshal(w.CatalogWithViews(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 34 {
		t.Fatalf("catalog with views has %d relations, want 34", len(got))
	}
	for _, v := range w.Views {
		want := make([]string, len(v.Columns))
		for i, c := range v.Columns {
			want[i] = c.Name
		}
		if diff := cmp.Diff(want, got[v.Name]); diff != "" {
			t.Errorf("%s (-model +json):\n%s", v.Name, diff)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	bad := []Options{{Views: -1}, {Columns: -3}, {Columns: 2}, {Depth: -1}, {Tables: -2}, {Database: "my db"}}
	for _, o := range bad {
		if err := o.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", o)
		}
	}
	if err := (Options{Views: 10, Columns: 3, Depth: 2, Database: "X_1"}).Validate(); err != nil {
		t.Errorf("Validate of good options: %v", err)
	}
	if got := (Options{Views: 3, Depth: 10}).Normalize().Depth; got != 3 {
		t.Errorf("depth above the view count normalised to %d, want 3", got)
	}
}

func TestWriteDir(t *testing.T) {
	dir := t.TempDir()
	w := Generate(Options{Views: 10, Depth: 3, Seed: 1})
	if err := WriteDir(dir, w.AllFiles()); err != nil {
		t.Fatal(err)
	}
	for _, f := range w.AllFiles() {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, f.Content) {
			t.Errorf("%s: written content differs", f.Path)
		}
	}
	if err := WriteDir(dir, []File{{Path: "../escape.sql"}}); err == nil {
		t.Error("WriteDir accepted a path outside the directory")
	}
}

func TestStats(t *testing.T) {
	w := Generate(Options{Views: 47, Columns: 9, Depth: 4, Tables: 6, Seed: 3})
	s := w.Stats()
	if s.Views != 47 || s.Tables != 6 || s.ViewColumns != w.ColumnCount() {
		t.Errorf("stats %+v do not match the warehouse", s)
	}
	if diff := cmp.Diff([]int{0, 12, 12, 12, 11}, s.ViewsByLayer); diff != "" {
		t.Errorf("views by layer (-want +got):\n%s", diff)
	}
	bytes, cols := 0, 0
	for _, f := range w.Files {
		bytes += len(f.Content)
	}
	for _, tb := range w.Tables {
		cols += len(tb.Columns)
	}
	if s.SQLBytes != bytes || s.TableColumns != cols {
		t.Errorf("stats bytes %d, table columns %d; counted %d, %d", s.SQLBytes, s.TableColumns, bytes, cols)
	}
	if !strings.Contains(s.String(), "47 views in 4 layers") {
		t.Errorf("String() = %q", s.String())
	}
}

func BenchmarkGenerate10kViews40Columns(b *testing.B) {
	b.ReportAllocs()
	var s Stats
	for b.Loop() {
		w := Generate(Options{Views: 10000, Columns: 40, Depth: 10, Seed: 1})
		if len(w.Files) != 10000 {
			b.Fatalf("got %d files", len(w.Files))
		}
		s = w.Stats()
	}
	b.ReportMetric(float64(s.SQLBytes)/1e6, "MB-sql")
	b.ReportMetric(float64(s.ViewColumns)/float64(s.Views), "cols/view")
}

var wordRE = regexp.MustCompile(`[A-Z0-9_$]+`)

func names(cs []Column) map[string]bool {
	m := make(map[string]bool, len(cs))
	for _, c := range cs {
		m[c.Name] = true
	}
	return m
}

func fileOf(w Warehouse, v View) File {
	for _, f := range w.Files {
		if f.Path == v.Path {
			return f
		}
	}
	return File{}
}
