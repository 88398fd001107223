package warehouse

import (
	"encoding/json"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var createView = regexp.MustCompile(`(?i)CREATE\s+OR\s+REPLACE\s+(SECURE\s+|MATERIALIZED\s+)?VIEW\s+([A-Za-z_.]+)`)

func sqlFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := fs.WalkDir(FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".sql") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestOneViewPerFile checks the layout the file source relies on: one CREATE
// VIEW per file, named after the file, in the folder of its schema.
func TestOneViewPerFile(t *testing.T) {
	files := sqlFiles(t)
	if len(files) < 60 || len(files) > 90 {
		t.Fatalf("got %d view files, want 60-90", len(files))
	}
	seen := map[string]string{}
	kinds := map[string]int{}
	for _, f := range files {
		b, err := FS.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := createView.FindAllStringSubmatch(string(b), -1)
		if len(m) != 1 {
			t.Errorf("%s: %d CREATE VIEW statements, want 1", f, len(m))
			continue
		}
		kinds[strings.ToUpper(strings.TrimSpace(m[0][1]))]++
		parts := strings.Split(strings.ToUpper(m[0][2]), ".")
		if len(parts) == 2 {
			parts = append([]string{DefaultDatabase}, parts...)
		}
		if len(parts) != 3 || parts[0] != DefaultDatabase {
			t.Errorf("%s: view %s is not in %s.<schema>", f, m[0][2], DefaultDatabase)
			continue
		}
		wantDir, wantFile := strings.ToLower(parts[1]), strings.ToLower(parts[2])+".sql"
		if path.Dir(f) != wantDir || path.Base(f) != wantFile {
			t.Errorf("%s defines %s; want it in %s/%s", f, m[0][2], wantDir, wantFile)
		}
		name := strings.Join(parts, ".")
		if prev, ok := seen[name]; ok {
			t.Errorf("%s and %s both define %s", prev, f, name)
		}
		seen[name] = f
	}
	if kinds["SECURE"] == 0 || kinds["MATERIALIZED"] == 0 {
		t.Errorf("want at least one SECURE and one MATERIALIZED view, got %v", kinds)
	}
	if _, err := fs.Stat(FS, BrokenFile); err != nil {
		t.Errorf("broken view file: %v", err)
	}
}

// TestCatalogFilesAgree checks that catalog.json lists exactly the columns of
// catalog_types.json, in order, and that every table is in the RAW database.
func TestCatalogFilesAgree(t *testing.T) {
	var names map[string][]string
	var types map[string][]struct{ Name, Type string }
	for file, v := range map[string]any{CatalogFile: &names, CatalogTypesFile: &types} {
		b, err := FS.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	if len(names) == 0 || len(names) != len(types) {
		t.Fatalf("catalog.json has %d tables, catalog_types.json %d", len(names), len(types))
	}
	for table, cols := range names {
		if !strings.HasPrefix(table, "RAW.") || strings.Count(table, ".") != 2 {
			t.Errorf("table %s is not RAW.<schema>.<table>", table)
		}
		var typed []string
		for _, c := range types[table] {
			if c.Type == "" {
				t.Errorf("%s.%s has no type", table, c.Name)
			}
			typed = append(typed, c.Name)
		}
		if diff := cmp.Diff(cols, typed); diff != "" {
			t.Errorf("%s columns differ between the catalogs (-names +types):\n%s", table, diff)
		}
	}
}

// TestRawReferencesInCatalog checks that every RAW.<schema>.<table> a view
// reads is a table of the catalog.
func TestRawReferencesInCatalog(t *testing.T) {
	var names map[string][]string
	b, err := FS.ReadFile(CatalogFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &names); err != nil {
		t.Fatal(err)
	}
	rawRef := regexp.MustCompile(`\bRAW\.[A-Z_]+\.[A-Z_]+\b`)
	used := map[string]bool{}
	for _, f := range sqlFiles(t) {
		sql, err := FS.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range rawRef.FindAllString(string(sql), -1) {
			used[ref] = true
			if _, ok := names[ref]; !ok {
				t.Errorf("%s reads %s, which is not in %s", f, ref, CatalogFile)
			}
		}
	}
	for table := range names {
		if !used[table] {
			t.Errorf("catalog table %s is read by no view", table)
		}
	}
}
