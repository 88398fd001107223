package ingest

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/tributary-lineage/tributary/graph"
)

// ArchiveLimits bound what ExtractSQLArchive accepts, against zip bombs and floods of entries.
type ArchiveLimits struct {
	MaxEntries    int   // entries of any kind (directories included)
	MaxFileBytes  int64 // uncompressed bytes of one file
	MaxTotalBytes int64 // uncompressed bytes of all entries together
}

// DefaultArchiveLimits are used for zero fields.
var DefaultArchiveLimits = ArchiveLimits{MaxEntries: 20000, MaxFileBytes: 32 << 20, MaxTotalBytes: 512 << 20}

func (l ArchiveLimits) withDefaults() ArchiveLimits {
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultArchiveLimits.MaxEntries
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultArchiveLimits.MaxFileBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = DefaultArchiveLimits.MaxTotalBytes
	}
	return l
}

// ArchiveError is a rejected archive: the entry at fault and why. It wraps graph.ErrInvalid.
type ArchiveError struct {
	Entry string // entry name as stored in the archive; empty for the archive as a whole
	Msg   string
}

func (e *ArchiveError) Error() string {
	if e.Entry == "" {
		return "archive rejected: " + e.Msg
	}
	return fmt.Sprintf("archive rejected: entry %q: %s", e.Entry, e.Msg)
}

func (e *ArchiveError) Unwrap() error { return graph.ErrInvalid }

// Extracted lists what ExtractSQLArchive wrote.
type Extracted struct {
	Files   []string `json:"files"`   // slash-separated paths under the folder
	Skipped []string `json:"skipped"` // entries that are neither .sql nor catalog*.json
	Bytes   int64    `json:"bytes"`
}

// ExtractSQLArchive unpacks the .sql files (and catalog*.json) of the zip, tar or tar.gz
// archive at archivePath into dir, for the ingestion pipeline (a dir: source). It rejects
// the archive when an entry name is absolute or leaves dir (".."), when an entry is a link or
// a device, or when limits are exceeded: for zip files the declared sizes are checked before
// anything is written, and every entry is read through a limit, so an entry that expands
// past its declared size is caught too. On error dir may hold part of the files; remove it.
func ExtractSQLArchive(ctx context.Context, archivePath, dir string, limits ArchiveLimits) (Extracted, error) {
	limits = limits.withDefaults()
	f, err := os.Open(archivePath)
	if err != nil {
		return Extracted{}, fmt.Errorf("open archive: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Extracted{}, fmt.Errorf("open archive: %w", err)
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	root, err := os.OpenRoot(dir)
	if err != nil {
		return Extracted{}, fmt.Errorf("extract into %s: %w", dir, err)
	}
	defer root.Close()
	x := &extractor{root: root, limits: limits}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		err = x.zip(ctx, f, st.Size())
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		if _, err = f.Seek(0, io.SeekStart); err == nil {
			var gz *gzip.Reader
			if gz, err = gzip.NewReader(bufio.NewReader(f)); err == nil {
				err = x.tar(ctx, gz)
			} else {
				err = &ArchiveError{Msg: "bad gzip: " + err.Error()}
			}
		}
	case len(head) > 262 && string(head[257:262]) == "ustar":
		if _, err = f.Seek(0, io.SeekStart); err == nil {
			err = x.tar(ctx, bufio.NewReader(f))
		}
	default:
		err = &ArchiveError{Msg: "not a zip, tar or tar.gz archive"}
	}
	return x.out, err
}

type extractor struct {
	root    *os.Root
	limits  ArchiveLimits
	out     Extracted
	entries int
}

// checkName returns the cleaned relative path of an entry, or an error for unsafe names.
func checkName(name string) (string, error) {
	switch {
	case name == "":
		return "", &ArchiveError{Entry: name, Msg: "empty name"}
	case strings.ContainsRune(name, '\\'):
		return "", &ArchiveError{Entry: name, Msg: "backslash in name (Windows path)"}
	case strings.ContainsRune(name, 0):
		return "", &ArchiveError{Entry: name, Msg: "NUL in name"}
	case path.IsAbs(name) || (len(name) > 1 && name[1] == ':'):
		return "", &ArchiveError{Entry: name, Msg: "absolute path"}
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", &ArchiveError{Entry: name, Msg: "path traversal (..) leaves the extraction folder"}
		}
	}
	clean := path.Clean(name)
	if !filepath.IsLocal(filepath.FromSlash(clean)) {
		return "", &ArchiveError{Entry: name, Msg: "not a local path"}
	}
	return clean, nil
}

func wanted(name string) bool {
	base := strings.ToLower(path.Base(name))
	return strings.HasSuffix(base, ".sql") || (strings.HasPrefix(base, "catalog") && strings.HasSuffix(base, ".json"))
}

func (x *extractor) count(name string) error {
	x.entries++
	if x.entries > x.limits.MaxEntries {
		return &ArchiveError{Entry: name, Msg: fmt.Sprintf("more than %d entries", x.limits.MaxEntries)}
	}
	return nil
}

func (x *extractor) zip(ctx context.Context, r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return &ArchiveError{Msg: "bad zip: " + err.Error()}
	}
	// Everything the central directory says is checked before anything is written.
	var declared uint64
	for _, f := range zr.File {
		if err := x.count(f.Name); err != nil {
			return err
		}
		if _, err := checkName(f.Name); err != nil {
			return err
		}
		mode := f.Mode()
		if mode&os.ModeSymlink != 0 || (!mode.IsRegular() && !mode.IsDir()) {
			return &ArchiveError{Entry: f.Name, Msg: "not a regular file or folder (link or device)"}
		}
		if f.UncompressedSize64 > uint64(x.limits.MaxFileBytes) {
			return &ArchiveError{Entry: f.Name, Msg: fmt.Sprintf("declares %d bytes, more than the %d-byte file limit", f.UncompressedSize64, x.limits.MaxFileBytes)}
		}
		declared += f.UncompressedSize64
		if declared > uint64(x.limits.MaxTotalBytes) {
			return &ArchiveError{Entry: f.Name, Msg: fmt.Sprintf("entries declare more than the %d-byte total limit", x.limits.MaxTotalBytes)}
		}
	}
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.Mode().IsDir() {
			continue
		}
		if !wanted(f.Name) {
			x.out.Skipped = append(x.out.Skipped, f.Name)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return &ArchiveError{Entry: f.Name, Msg: err.Error()}
		}
		err = x.write(f.Name, rc, int64(f.UncompressedSize64))
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (x *extractor) tar(ctx context.Context, r io.Reader) error {
	tr := tar.NewReader(r)
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			if x.entries == 0 {
				return &ArchiveError{Msg: "empty archive"}
			}
			return nil
		}
		if err != nil {
			return &ArchiveError{Msg: "bad tar: " + err.Error()}
		}
		if err := x.count(h.Name); err != nil {
			return err
		}
		if _, err := checkName(h.Name); err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		default:
			return &ArchiveError{Entry: h.Name, Msg: "not a regular file or folder (link or device)"}
		}
		if h.Size > x.limits.MaxFileBytes {
			return &ArchiveError{Entry: h.Name, Msg: fmt.Sprintf("%d bytes, more than the %d-byte file limit", h.Size, x.limits.MaxFileBytes)}
		}
		total += h.Size
		if total > x.limits.MaxTotalBytes {
			return &ArchiveError{Entry: h.Name, Msg: fmt.Sprintf("entries hold more than the %d-byte total limit", x.limits.MaxTotalBytes)}
		}
		if !wanted(h.Name) {
			x.out.Skipped = append(x.out.Skipped, h.Name)
			continue
		}
		if err := x.write(h.Name, tr, h.Size); err != nil {
			return err
		}
	}
}

// write copies one entry to its place under the root, reading at most the file limit and
// what is left of the total.
func (x *extractor) write(name string, r io.Reader, declared int64) error {
	clean, err := checkName(name)
	if err != nil {
		return err
	}
	limit := min(x.limits.MaxFileBytes, x.limits.MaxTotalBytes-x.out.Bytes)
	if d := path.Dir(clean); d != "." {
		if err := x.root.MkdirAll(d, 0o755); err != nil {
			return &ArchiveError{Entry: name, Msg: err.Error()}
		}
	}
	out, err := x.root.OpenFile(clean, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return &ArchiveError{Entry: name, Msg: "cannot create: " + err.Error()}
	}
	n, err := io.Copy(out, io.LimitReader(r, limit+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	x.out.Bytes += n
	switch {
	case errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum):
		return &ArchiveError{Entry: name, Msg: fmt.Sprintf("content does not match its header (declared %d bytes; a zip bomb?): %v", declared, err)}
	case err != nil:
		return &ArchiveError{Entry: name, Msg: err.Error()}
	case n > limit:
		return &ArchiveError{Entry: name, Msg: fmt.Sprintf("expands past the limit of %d bytes (declared %d)", limit, declared)}
	}
	x.out.Files = append(x.out.Files, clean)
	return nil
}

// RunFolder runs the ingestion pipeline over a folder of .sql files (in the binary: an inline
// ingest run of a dir: source).
type RunFolder func(ctx context.Context, dir string) error

// ImportSQLArchive extracts the archive at archivePath (see ExtractSQLArchive) into a fresh
// temporary folder, hands the folder to ingestDir and removes it afterwards. A rejected
// archive never reaches the pipeline.
func ImportSQLArchive(ctx context.Context, archivePath string, limits ArchiveLimits, ingestDir RunFolder) (Extracted, error) {
	dir, err := os.MkdirTemp("", "tributary-sql-*")
	if err != nil {
		return Extracted{}, fmt.Errorf("import sql archive: %w", err)
	}
	defer os.RemoveAll(dir)
	x, err := ExtractSQLArchive(ctx, archivePath, dir, limits)
	if err != nil {
		return x, err
	}
	if len(x.Files) == 0 {
		return x, &ArchiveError{Msg: "no .sql files"}
	}
	if err := ingestDir(ctx, dir); err != nil {
		return x, fmt.Errorf("ingest %d files: %w", len(x.Files), err)
	}
	return x, nil
}
