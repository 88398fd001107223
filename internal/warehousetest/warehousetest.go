// Package warehousetest copies the demo warehouse (examples/warehouse) for tests, with its
// databases renamed so that tests sharing one Neo4j do not share graph nodes.
package warehousetest

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/tributary-lineage/tributary/examples/tables"
	"github.com/tributary-lineage/tributary/examples/warehouse"
)

// databases matches the demo's two database names as whole identifiers, any case (the SQL
// and catalog spell them in upper case; search queries may not).
var databases = regexp.MustCompile(`(?i)\b(ANALYTICS|RAW)\b`)

// Rename replaces the demo's database names ANALYTICS and RAW in s with analytics and raw.
func Rename(s, analytics, raw string) string {
	return databases.ReplaceAllStringFunc(s, func(m string) string {
		if len(m) == len("RAW") {
			return raw
		}
		return analytics
	})
}

// Copy writes the demo warehouse into a temporary folder of tb with ANALYTICS and RAW renamed
// (Rename) and returns the folder.
func Copy(tb testing.TB, analytics, raw string) string {
	tb.Helper()
	return copyFS(tb, warehouse.FS, "the demo warehouse", analytics, raw)
}

// CopyTables writes the demo's tables built by statements (examples/tables: the dbt manifest
// and catalog, the query history, the reporting view) into a temporary folder of tb with
// ANALYTICS and RAW renamed (Rename) and returns the folder; the tables package names the
// paths in it.
func CopyTables(tb testing.TB, analytics, raw string) string {
	tb.Helper()
	return copyFS(tb, tables.FS, "the demo's tables", analytics, raw)
}

func copyFS(tb testing.TB, fsys fs.ReadFileFS, what, analytics, raw string) string {
	tb.Helper()
	dir := tb.TempDir()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fsys.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, []byte(Rename(string(b), analytics, raw)), 0o644)
	})
	if err != nil {
		tb.Fatalf("copy %s: %v", what, err)
	}
	return dir
}

// File is one entry of an archive Zip writes.
type File struct {
	Name string // slash-separated path in the archive
	Data string
}

// Zip writes a zip archive of files into a temporary folder of tb and returns its path.
func Zip(tb testing.TB, files ...File) string {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.Name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(f.Data)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(tb.TempDir(), "upload.zip")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}
