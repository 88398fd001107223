// Package warehousetest gives tests a copy of the demo warehouse (examples/warehouse) under
// database names of their own, so tests sharing one Neo4j do not share graph nodes.
package warehousetest

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/tributary-lineage/tributary/examples/warehouse"
)

var databases = regexp.MustCompile(`\b(ANALYTICS|RAW)\b`)

// Copy writes the demo warehouse into a temporary folder with its databases renamed, ANALYTICS
// to analytics and RAW to raw, and returns the folder. Ingest it with --default-database
// analytics.
func Copy(tb testing.TB, analytics, raw string) string {
	tb.Helper()
	dir := tb.TempDir()
	err := fs.WalkDir(warehouse.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := warehouse.FS.ReadFile(p)
		if err != nil {
			return err
		}
		out := databases.ReplaceAllStringFunc(string(b), func(s string) string {
			if s == "RAW" {
				return raw
			}
			return analytics
		})
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, []byte(out), 0o644)
	})
	if err != nil {
		tb.Fatalf("warehousetest: copy the demo warehouse: %v", err)
	}
	return dir
}
