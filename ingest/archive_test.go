package ingest_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/synth"
	"github.com/tributary-lineage/tributary/internal/warehousetest"
)

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "upload")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// deflatedZeros is a raw deflate stream of n MiB of zeros, about 1 KiB per MiB: one
// compressed MiB repeated (deflate blocks may refer back across blocks), then a final block.
func deflatedZeros(t *testing.T, mib int) []byte {
	t.Helper()
	var chunk, tail bytes.Buffer
	fw, _ := flate.NewWriter(&chunk, flate.BestCompression)
	fw.Write(make([]byte, 1<<20))
	fw.Flush()
	fw2, _ := flate.NewWriter(&tail, flate.BestCompression)
	fw2.Close()
	out := bytes.Repeat(chunk.Bytes(), mib)
	return append(out, tail.Bytes()...)
}

// zipBomb is a zip whose one entry expands to 1 GiB of zeros; its header claims claimed bytes.
func zipBomb(t *testing.T, claimed uint64) string {
	t.Helper()
	data := deflatedZeros(t, 1024)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "views/bomb.sql", Method: zip.Deflate,
		CompressedSize64: uint64(len(data)), UncompressedSize64: claimed})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 2<<20 {
		t.Fatalf("bomb is %d bytes, want a small file", buf.Len())
	}
	return writeTemp(t, buf.Bytes())
}

func writeTar(t *testing.T, gz bool, headers ...tar.Header) string {
	t.Helper()
	var buf bytes.Buffer
	var tw *tar.Writer
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		tw = tar.NewWriter(zw)
	} else {
		tw = tar.NewWriter(&buf)
	}
	for _, h := range headers {
		h := h
		body := strings.Repeat("x", int(h.Size))
		if h.Typeflag == tar.TypeSymlink {
			h.Size = 0
			body = ""
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	if zw != nil {
		zw.Close()
	}
	return writeTemp(t, buf.Bytes())
}

func TestExtractRejectsUnsafeArchives(t *testing.T) {
	limits := ingest.ArchiveLimits{MaxEntries: 10, MaxFileBytes: 1 << 20, MaxTotalBytes: 4 << 20}
	for _, tc := range []struct {
		name    string
		archive func(t *testing.T) string
		entry   string
		msg     string
	}{
		{"zip path traversal", func(t *testing.T) string {
			return warehousetest.Zip(t, warehousetest.File{Name: "views/ok.sql", Data: "CREATE VIEW A.B.C AS SELECT 1 AS X"}, warehousetest.File{Name: "../../etc/evil.sql", Data: "x"})
		}, "../../etc/evil.sql", "path traversal"},
		{"zip absolute path", func(t *testing.T) string {
			return warehousetest.Zip(t, warehousetest.File{Name: "/tmp/evil.sql", Data: "x"})
		}, "/tmp/evil.sql", "absolute path"},
		{"zip backslashes", func(t *testing.T) string {
			return warehousetest.Zip(t, warehousetest.File{Name: `..\evil.sql`, Data: "x"})
		}, `..\evil.sql`, "backslash"},
		{"zip bomb declaring 1 GiB", func(t *testing.T) string { return zipBomb(t, 1<<30) }, "views/bomb.sql", "declares 1073741824 bytes"},
		{"zip bomb lying about its size", func(t *testing.T) string { return zipBomb(t, 1000) }, "views/bomb.sql", "does not match its header"},
		{"too many entries", func(t *testing.T) string {
			var es []warehousetest.File
			for i := range 11 {
				es = append(es, warehousetest.File{Name: "v" + string(rune('a'+i)) + ".sql", Data: "x"})
			}
			return warehousetest.Zip(t, es...)
		}, "vk.sql", "more than 10 entries"},
		{"too many bytes in total", func(t *testing.T) string {
			big := strings.Repeat("y", 900<<10)
			return warehousetest.Zip(t, warehousetest.File{Name: "a.sql", Data: big}, warehousetest.File{Name: "b.sql", Data: big}, warehousetest.File{Name: "c.sql", Data: big}, warehousetest.File{Name: "d.sql", Data: big}, warehousetest.File{Name: "e.sql", Data: big})
		}, "e.sql", "total limit"},
		{"tar path traversal", func(t *testing.T) string {
			return writeTar(t, false, tar.Header{Name: "a/../../x.sql", Typeflag: tar.TypeReg, Size: 3, Mode: 0o644})
		}, "a/../../x.sql", "path traversal"},
		{"tar.gz symlink", func(t *testing.T) string {
			return writeTar(t, true, tar.Header{Name: "link.sql", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd", Mode: 0o777})
		}, "link.sql", "link or device"},
		{"tar.gz file over the limit", func(t *testing.T) string {
			return writeTar(t, true, tar.Header{Name: "big.sql", Typeflag: tar.TypeReg, Size: 2 << 20, Mode: 0o644})
		}, "big.sql", "file limit"},
		{"not an archive", func(t *testing.T) string { return writeTemp(t, []byte("CREATE VIEW x AS SELECT 1")) }, "", "not a zip, tar or tar.gz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := ingest.ExtractSQLArchive(context.Background(), tc.archive(t), dir, limits)
			var ae *ingest.ArchiveError
			if !errors.As(err, &ae) || !errors.Is(err, graph.ErrInvalid) {
				t.Fatalf("err = %v, want an ingest.ArchiveError", err)
			}
			if ae.Entry != tc.entry || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v; want entry %q and %q", err, tc.entry, tc.msg)
			}
			var written int64
			filepath.Walk(filepath.Dir(dir), func(_ string, fi os.FileInfo, _ error) error {
				if fi != nil && !fi.IsDir() {
					written += fi.Size()
				}
				return nil
			})
			if written > limits.MaxTotalBytes+1 {
				t.Errorf("%d bytes written around the extraction folder", written)
			}
		})
	}
}

// An archive of .sql files goes through the ingestion pipeline into the graph.
func TestImportSQLArchiveThroughIngestion(t *testing.T) {
	s := newStore(t)
	db := graphtest.Database(t, s, "TZ_")
	w := synth.Generate(synth.Options{Views: 12, Columns: 6, Depth: 3, Seed: 7, Database: db})
	var es []warehousetest.File
	for _, f := range w.AllFiles() {
		es = append(es, warehousetest.File{Name: "warehouse/" + f.Path, Data: string(f.Content)})
	}
	es = append(es, warehousetest.File{Name: "README.md", Data: "not SQL"})
	archive := warehousetest.Zip(t, es...)

	runner := ingest.NewRunner(s, nil, nil)
	x, err := ingest.ImportSQLArchive(context.Background(), archive, ingest.ArchiveLimits{}, func(ctx context.Context, dir string) error {
		src, err := ingest.NewDirSource(dir, ingest.DirOptions{})
		if err != nil {
			return err
		}
		_, err = runner.RunInline(ctx, src, false, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Files) != 14 || !slices.Equal(x.Skipped, []string{"README.md"}) {
		t.Errorf("extracted %d files, skipped %q", len(x.Files), x.Skipped)
	}
	views := 0
	for _, l := range archiveDump(t, db) {
		if strings.HasPrefix(l, "dataset ") && strings.Contains(l, `"link":"HAS_VIEW"`) {
			views++
		}
	}
	if views != 12 {
		t.Errorf("%d views in the graph after the import, want 12", views)
	}
}

// archiveDump is the graph dump of database db.
func archiveDump(t *testing.T, db string) []string {
	t.Helper()
	lines, err := graphtest.Dump(context.Background(), graphtest.Driver(t), []string{db})
	if err != nil {
		t.Fatal(err)
	}
	return lines
}
