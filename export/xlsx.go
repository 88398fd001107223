package export

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/tributary-lineage/tributary/graph"
)

// Sheet names of the xlsx export. A sheet that reaches Excel's row limit continues on
// "<name> (2)", "<name> (3)", ...
const (
	SheetSummary = "Summary"
	SheetViews   = "Views"
	SheetColumns = "Columns"
	SheetEdges   = "Edges"
	SheetImpact  = "Impact"
)

// edgeRow is an edge's row in the Edges sheet and edges.csv: Verified is false for an edge
// whose source column the catalog did not list; Expressions is the chain of expressions from
// the source, source first ("CTE C: COALESCE(a, b) -> SUM(a)").
func edgeRow(e graph.Edge) []any {
	var lastSeen any
	if !e.LastSeen.IsZero() {
		lastSeen = e.LastSeen.UTC().Format(time.RFC3339)
	}
	return []any{e.From.String(), e.To.String(), string(e.Type), string(e.Subtype), e.View.String(), e.Expression,
		e.Masking, !e.Unverified, graph.FormatSteps(e.Steps), string(e.Origin), e.Statement, e.Run, lastSeen}
}

// Headers of each sheet (also the CSV files' header rows).
var (
	viewsHeader   = []string{"Id", "Database", "Schema", "Name", "Kind", "Status", "Columns", "Edges", "Source", "Last altered", "Message", "Defined by", "Metadata"}
	columnsHeader = []string{"Column", "Table or view", "Name", "Ordinal", "Data type", "Kind"}
	edgesHeader   = []string{"Derived column", "Source column", "Type", "Subtype", "View", "Expression", "Masking", "Verified", "Expressions", "Origin", "Statement", "Run", "Last seen"}
	impactHeader  = []string{"Column", "Table or view", "Kind", "Data type", "Distance", "Direction"}
	summaryHeader = []string{"Item", "Value"}
)

var (
	viewsWidths   = []float64{58, 14, 16, 36, 18, 8, 9, 8, 36, 21, 60, 14, 60}
	columnsWidths = []float64{64, 50, 28, 9, 20, 18}
	edgesWidths   = []float64{64, 64, 10, 16, 50, 60, 9, 9, 80, 14, 40, 20, 21}
	impactWidths  = []float64{64, 50, 18, 20, 10, 12}
	summaryWidths = []float64{24, 60}
)

// maxCellChars is Excel's limit on the characters of one cell.
const maxCellChars = 32767

// maxSheetRows is Excel's row limit; rows past it go to a continuation sheet.
var maxSheetRows = excelize.TotalRows

type xlsxSink struct {
	w                             io.Writer
	f                             *excelize.File
	header                        int // style of header cells
	views, columns, edges, impact *sheetWriter
}

func newXLSXSink(w io.Writer, sum Summary) (*xlsxSink, error) {
	f := excelize.NewFile()
	header, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"305496"}},
		Alignment: &excelize.Alignment{Vertical: "center"},
	})
	if err != nil {
		return nil, fmt.Errorf("header style: %w", err)
	}
	if err := f.SetSheetName("Sheet1", SheetSummary); err != nil {
		return nil, err
	}
	s := &xlsxSink{w: w, f: f, header: header}
	if s.views, err = s.newSheet(SheetViews, viewsHeader, viewsWidths); err != nil {
		return nil, err
	}
	if s.columns, err = s.newSheet(SheetColumns, columnsHeader, columnsWidths); err != nil {
		return nil, err
	}
	if s.edges, err = s.newSheet(SheetEdges, edgesHeader, edgesWidths); err != nil {
		return nil, err
	}
	if sum.Scope.Closure() {
		if s.impact, err = s.newSheet(SheetImpact, impactHeader, impactWidths); err != nil {
			return nil, err
		}
		s.impact.direction = sum.Scope.Kind
	}
	return s, nil
}

func (s *xlsxSink) Close() error { return s.f.Close() }

func (s *xlsxSink) dataset(d graph.ExportDataset, dist map[graph.ColumnID]int) error {
	kind := kindLabel(d)
	if err := s.views.row(viewRow(d, kind)...); err != nil {
		return err
	}
	for _, c := range d.Columns {
		var ord any
		if c.Ordinal != nil {
			ord = *c.Ordinal
		}
		id := d.ID.Column(c.Name).String()
		if err := s.columns.row(id, d.ID.String(), c.Name, ord, c.DataType, kind); err != nil {
			return err
		}
		if s.impact != nil {
			if err := s.impact.row(id, d.ID.String(), kind, c.DataType, dist[d.ID.Column(c.Name)], s.direction()); err != nil {
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

func (s *xlsxSink) direction() string {
	return s.impact.direction
}

func (s *xlsxSink) finish(sum Summary) error {
	for _, sw := range []*sheetWriter{s.views, s.columns, s.edges, s.impact} {
		if sw == nil {
			continue
		}
		if err := sw.close(); err != nil {
			return err
		}
	}
	summary, err := s.openSheet(SheetSummary, summaryHeader, summaryWidths)
	if err != nil {
		return err
	}
	for _, kv := range summaryRows(sum) {
		if err := summary.row(kv[0], kv[1]); err != nil {
			return err
		}
	}
	if err := summary.close(); err != nil {
		return err
	}
	// Summary, the first sheet, is active by default. (SetActiveSheet would parse every
	// flushed sheet back into memory.)
	if _, err := s.f.WriteTo(s.w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return s.f.Close()
}

// summaryRows are the Summary sheet's (and summary.csv's) item/value pairs.
func summaryRows(sum Summary) [][2]any {
	rows := [][2]any{
		{"Export", "Tributary column lineage"},
		{"Scope", sum.Scope.String()},
		{"Format", string(sum.Format)},
		{"Exported at (UTC)", sum.ExportedAt.Format(time.RFC3339)},
		{"Tables", sum.Tables},
		{"Views", sum.Views},
		{"Columns", sum.Columns},
		{"Edges", sum.Edges},
	}
	if sum.Scope.Closure() {
		rows = append(rows, [2]any{"Closure columns", sum.Impacted})
	}
	return rows
}

func kindLabel(d graph.ExportDataset) string {
	if d.Placeholder {
		return d.Kind + " (placeholder)"
	}
	return d.Kind
}

// metaText is a dataset's metadata as "name=value" pairs in a fixed order, "; " between them.
func metaText(m graph.Meta) string {
	var parts []string
	add := func(name, v string) {
		if v != "" {
			parts = append(parts, name+"="+v)
		}
	}
	add("unique_id", m.UniqueID)
	add("materialization", m.Materialization)
	add("path", m.Path)
	add("owner", m.Owner)
	add("tags", strings.Join(m.Tags, ","))
	add("description", m.Description)
	add("target_lag", m.TargetLag)
	add("warehouse", m.Warehouse)
	add("refresh_mode", m.RefreshMode)
	add("initialize", m.Initialize)
	return strings.Join(parts, "; ")
}

func viewRow(d graph.ExportDataset, kind string) []any {
	var altered any
	if !d.LastAltered.IsZero() {
		altered = d.LastAltered.UTC().Format(time.RFC3339)
	}
	var status, edges any
	if d.Defined() {
		status, edges = d.Status, len(d.Edges)
	} else if len(d.Edges) > 0 {
		edges = len(d.Edges) // a table written by statements
	}
	return []any{d.ID.String(), d.ID.Database, d.ID.Schema, d.ID.Name, kind, status, len(d.Columns), edges, d.Source, altered, d.Message,
		string(d.DefinedBy), metaText(d.Meta)}
}

// sheetWriter streams rows to one sheet and its continuation sheets.
type sheetWriter struct {
	s         *xlsxSink
	base      string
	header    []string
	widths    []float64
	part      int
	sw        *excelize.StreamWriter
	name      string
	rows      int // rows written to the current sheet, header included
	direction string
	cells     []any
}

func (s *xlsxSink) newSheet(name string, header []string, widths []float64) (*sheetWriter, error) {
	if _, err := s.f.NewSheet(name); err != nil {
		return nil, fmt.Errorf("sheet %s: %w", name, err)
	}
	w, err := s.openSheet(name, header, widths)
	if err != nil {
		return nil, err
	}
	return w, nil
}

// openSheet starts streaming to an existing sheet: widths, frozen header, bold header row.
func (s *xlsxSink) openSheet(name string, header []string, widths []float64) (*sheetWriter, error) {
	w := &sheetWriter{s: s, base: name, header: header, widths: widths, part: 1, direction: ""}
	if err := w.start(name); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *sheetWriter) start(name string) error {
	// Printing (and PDF conversion): landscape, as wide as one page, the header on every page.
	// These live in the worksheet the stream writer copies, so they are set before it starts.
	f := w.s.f
	landscape, one, zero := "landscape", 1, 0
	if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	fit := true
	if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + name + "'!$1:$1", Scope: name}); err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	for i, width := range w.widths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("sheet %s: %w", name, err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	cells := make([]any, len(w.header))
	for i, h := range w.header {
		cells[i] = excelize.Cell{StyleID: w.s.header, Value: h}
	}
	if err := sw.SetRow("A1", cells, excelize.RowOpts{Height: 20}); err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	w.sw, w.name, w.rows = sw, name, 1
	return nil
}

func (w *sheetWriter) row(values ...any) error {
	if w.rows == maxSheetRows {
		if err := w.close(); err != nil {
			return err
		}
		w.part++
		name := w.base + " (" + strconv.Itoa(w.part) + ")"
		if _, err := w.s.f.NewSheet(name); err != nil {
			return fmt.Errorf("sheet %s: %w", name, err)
		}
		if err := w.start(name); err != nil {
			return err
		}
	}
	w.cells = w.cells[:0]
	for _, v := range values {
		if s, ok := v.(string); ok {
			if s == "" {
				v = nil
			} else if len(s) > maxCellChars && utf8.RuneCountInString(s) > maxCellChars {
				v = string([]rune(s)[:maxCellChars-1]) + "…"
			}
		}
		w.cells = append(w.cells, v)
	}
	w.rows++
	cell, err := excelize.CoordinatesToCellName(1, w.rows)
	if err != nil {
		return err
	}
	if err := w.sw.SetRow(cell, w.cells); err != nil {
		return fmt.Errorf("sheet %s row %d: %w", w.name, w.rows, err)
	}
	return nil
}

// close sets the autofilter over the written rows and flushes the sheet.
func (w *sheetWriter) close() error {
	if w.sw == nil {
		return nil
	}
	last, err := excelize.CoordinatesToCellName(len(w.header), max(w.rows, 2))
	if err != nil {
		return err
	}
	// The stream writer writes the worksheet's autoFilter element at Flush; set it first.
	if err := w.s.f.AutoFilter(w.name, "A1:"+last, nil); err != nil {
		return fmt.Errorf("sheet %s autofilter: %w", w.name, err)
	}
	if err := w.sw.Flush(); err != nil {
		return fmt.Errorf("sheet %s: %w", w.name, err)
	}
	w.sw = nil
	return nil
}
