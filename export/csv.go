package export

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/tributary-lineage/tributary/graph"
)

// Names of the files in the CSV export's zip, in the order they are written.
const (
	CSVSummary = "summary.csv"
	CSVViews   = "views.csv"
	CSVColumns = "columns.csv"
	CSVEdges   = "edges.csv"
	CSVImpact  = "impact.csv"
)

// csvSink writes each sheet to its own temporary file (a zip holds one open entry at a time)
// and zips them at the end; memory holds one row per file.
type csvSink struct {
	w                             io.Writer
	direction                     string    // closure kind, for impact.csv
	modified                      time.Time // time stamp of the zip entries
	files                         []*csvFile
	views, columns, edges, impact *csvFile
}

type csvFile struct {
	name string
	tmp  *os.File
	buf  *bufio.Writer
	csv  *csv.Writer
	rec  []string
}

func newCSVSink(w io.Writer, sum Summary) (*csvSink, error) {
	s := &csvSink{w: w, direction: sum.Scope.Kind, modified: sum.ExportedAt}
	var err error
	for _, f := range []struct {
		dst    **csvFile
		name   string
		header []string
	}{
		{&s.views, CSVViews, viewsHeader}, {&s.columns, CSVColumns, columnsHeader},
		{&s.edges, CSVEdges, edgesHeader}, {&s.impact, CSVImpact, impactHeader},
	} {
		if *f.dst, err = s.open(f.name, f.header); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *csvSink) open(name string, header []string) (*csvFile, error) {
	tmp, err := os.CreateTemp("", "tributary-export-*.csv")
	if err != nil {
		return nil, fmt.Errorf("temporary file for %s: %w", name, err)
	}
	buf := bufio.NewWriterSize(tmp, 64<<10)
	f := &csvFile{name: name, tmp: tmp, buf: buf, csv: csv.NewWriter(buf)}
	s.files = append(s.files, f)
	if err := f.csv.Write(header); err != nil {
		return nil, err
	}
	return f, nil
}

// Close removes the temporary files.
func (s *csvSink) Close() error {
	for _, f := range s.files {
		f.tmp.Close()
		os.Remove(f.tmp.Name())
	}
	return nil
}

func (f *csvFile) row(values ...any) error {
	f.rec = f.rec[:0]
	for _, v := range values {
		f.rec = append(f.rec, cellText(v))
	}
	if err := f.csv.Write(f.rec); err != nil {
		return fmt.Errorf("%s: %w", f.name, err)
	}
	return nil
}

func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

func (s *csvSink) dataset(d graph.ExportDataset, dist map[graph.ColumnID]int) error {
	kind := kindLabel(d)
	if err := s.views.row(viewRow(d, kind)...); err != nil {
		return err
	}
	for _, c := range d.Columns {
		var ord any
		if c.Ordinal != nil {
			ord = *c.Ordinal
		}
		id := d.ID.Column(c.Name)
		if err := s.columns.row(id.String(), d.ID.String(), c.Name, ord, c.DataType, kind); err != nil {
			return err
		}
		if dist != nil {
			if err := s.impact.row(id.String(), d.ID.String(), kind, c.DataType, dist[id], s.direction); err != nil {
				return err
			}
		}
	}
	for _, e := range d.Edges {
		if err := s.edges.row(edgeRow(e)...); err != nil {
			return err
		}
	}
	return nil
}

func (s *csvSink) finish(sum Summary) error {
	defer s.Close()
	zw := zip.NewWriter(s.w)
	sw, err := zw.CreateHeader(&zip.FileHeader{Name: CSVSummary, Method: zip.Deflate, Modified: s.modified})
	if err != nil {
		return fmt.Errorf("zip %s: %w", CSVSummary, err)
	}
	cw := csv.NewWriter(sw)
	if err := cw.Write(summaryHeader); err != nil {
		return err
	}
	for _, kv := range summaryRows(sum) {
		if err := cw.Write([]string{cellText(kv[0]), cellText(kv[1])}); err != nil {
			return err
		}
	}
	if cw.Flush(); cw.Error() != nil {
		return fmt.Errorf("zip %s: %w", CSVSummary, cw.Error())
	}
	for _, f := range s.files {
		if f == s.impact && !sum.Scope.Closure() {
			continue
		}
		if err := f.copyInto(zw, s.modified); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	return nil
}

func (f *csvFile) copyInto(zw *zip.Writer, modified time.Time) error {
	if f.csv.Flush(); f.csv.Error() != nil {
		return fmt.Errorf("%s: %w", f.name, f.csv.Error())
	}
	if err := f.buf.Flush(); err != nil {
		return fmt.Errorf("%s: %w", f.name, err)
	}
	if _, err := f.tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("%s: %w", f.name, err)
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: modified})
	if err != nil {
		return fmt.Errorf("zip %s: %w", f.name, err)
	}
	if _, err := io.Copy(w, f.tmp); err != nil {
		return fmt.Errorf("zip %s: %w", f.name, err)
	}
	return nil
}
